//! The S3 state backend (`backend = "s3://BUCKET/PREFIX"` in `infra.toml`): a team's state in
//! a bucket, with no server of our own. Per stack:
//! - `PREFIX/STACK.json`, the state, written only with S3 conditional writes: `If-Match` on
//!   the ETag this backend read (or wrote) last, and `If-None-Match: *` for the first write of
//!   a stack. Whoever wrote in between makes S3 answer 412 Precondition Failed, which is
//!   [`StateError::Conflict`], as a serial mismatch is for the local backend: a lost update
//!   is impossible.
//! - `PREFIX/STACK.lock`, the lock, created with `If-None-Match: *` and holding its holder's
//!   [`LockInfo`] as JSON; a second locker gets 412 and is told who holds it. `unlock`
//!   deletes it.
//!
//! [`StateBackend`] is synchronous (the local backend is plain file IO) while the SDK is
//! async, and callers are often inside a tokio runtime themselves (the deploy engine saves
//! between steps). So the backend owns a small runtime of its own and waits on it: its
//! requests never need the caller's runtime, and blocking in it is never the caller's.

use crate::config::{custom_endpoint, load_sdk_config};
use crate::error::{translate, HasStatus};
use aws_config::SdkConfig;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_runtime_api::client::result::SdkError;
use infrac_plan::State;
use infrac_state::{check_save, LockInfo, Release, StateBackend, StateError};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

/// The state of a project's stacks in S3.
pub struct S3Backend {
    client: aws_sdk_s3::Client,
    bucket: String,
    /// Without slashes at either end; may be empty (the stacks are then at the bucket's top).
    prefix: String,
    runtime: Option<tokio::runtime::Runtime>,
    /// Per stack, the state as last read or written here and its ETag: what the next save's
    /// `If-Match` names.
    seen: Mutex<HashMap<String, Seen>>,
}

struct Seen {
    etag: String,
    state: State,
}

impl std::fmt::Debug for S3Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Backend")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Drop for S3Backend {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which tokio forbids inside another runtime (where the
        // commands drop their backend); nothing is left running by then.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The lock object: absent, or present with its holder (`None` when it cannot be read: being
/// written this instant, or damaged).
enum LockObject {
    Absent,
    Present(Option<LockInfo>),
}

impl LockObject {
    fn holder(self) -> Option<LockInfo> {
        match self {
            LockObject::Absent => None,
            LockObject::Present(holder) => holder,
        }
    }
}

/// What a conditional request came back with.
enum Put {
    Written(String),
    /// 412 (a condition did not hold), 409 (another conditional write to the key was in
    /// flight, as AWS may answer), or 404 on `If-Match` (the object is gone).
    PreconditionFailed,
}

impl S3Backend {
    /// The backend for `s3://bucket/prefix`, with credentials, region and endpoint from the
    /// standard AWS chains (`region`, from `infra.toml`, wins), as the provider has them.
    pub fn connect(bucket: &str, prefix: &str, region: Option<&str>) -> Result<S3Backend, String> {
        let runtime = new_runtime()?;
        let region = region.map(str::to_string);
        let config = wait(
            &runtime,
            async move { load_sdk_config(region.as_deref()).await },
        )
        .map_err(|e| format!("cannot load the AWS configuration: {e}"))?;
        Ok(S3Backend::with_runtime(runtime, &config, bucket, prefix))
    }

    /// The backend with a given SDK configuration (tests against a local endpoint).
    pub fn new(config: &SdkConfig, bucket: &str, prefix: &str) -> Result<S3Backend, String> {
        Ok(S3Backend::with_runtime(
            new_runtime()?,
            config,
            bucket,
            prefix,
        ))
    }

    fn with_runtime(
        runtime: tokio::runtime::Runtime,
        config: &SdkConfig,
        bucket: &str,
        prefix: &str,
    ) -> S3Backend {
        let mut s3 = aws_sdk_s3::config::Builder::from(config);
        if custom_endpoint(config) {
            s3 = s3.force_path_style(true);
        }
        S3Backend {
            client: aws_sdk_s3::Client::from_conf(s3.build()),
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            runtime: Some(runtime),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// The key of the stack's state object.
    pub fn state_key(&self, stack: &str) -> String {
        self.key(&format!("{stack}.json"))
    }

    /// The key of the stack's lock object.
    pub fn lock_key(&self, stack: &str) -> String {
        self.key(&format!("{stack}.lock"))
    }

    fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    fn remote(&self, key: &str, message: impl std::fmt::Display) -> StateError {
        StateError::Remote {
            location: self.url(key),
            message: message.to_string(),
        }
    }

    fn block<F>(&self, key: &str, future: F) -> Result<F::Output, StateError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = self
            .runtime
            .as_ref()
            .expect("the runtime lives as long as the backend");
        wait(runtime, future).map_err(|e| self.remote(key, e))
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Seen>> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The object's body and ETag, or `None` when there is no such object.
    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, StateError> {
        let client = self.client.clone();
        let (bucket, owned_key) = (self.bucket.clone(), key.to_string());
        let result = self.block(key, async move {
            match client
                .get_object()
                .bucket(bucket)
                .key(owned_key)
                .send()
                .await
            {
                Ok(out) => {
                    let etag = out.e_tag().unwrap_or_default().to_string();
                    match out.body.collect().await {
                        Ok(bytes) => Ok(Some((bytes.to_vec(), etag))),
                        Err(err) => Err(format!("s3:GetObject failed reading the body: {err}")),
                    }
                }
                Err(err) if status(&err) == Some(404) && !no_bucket(&err) => Ok(None),
                Err(err) => Err(explain("s3:GetObject", err)),
            }
        })?;
        result.map_err(|message| self.remote(key, message))
    }

    /// Writes `body` to `key` on a condition: `If-Match: etag`, or `If-None-Match: *` when
    /// `etag` is `None`.
    fn put(&self, key: &str, body: Vec<u8>, etag: Option<&str>) -> Result<Put, StateError> {
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body));
        request = match etag {
            Some(etag) => request.if_match(etag),
            None => request.if_none_match("*"),
        };
        let result = self.block(key, async move {
            match request.send().await {
                Ok(out) => Ok(Put::Written(out.e_tag().unwrap_or_default().to_string())),
                Err(err) if matches!(status(&err), Some(404 | 409 | 412)) && !no_bucket(&err) => {
                    Ok(Put::PreconditionFailed)
                }
                Err(err) => Err(explain("s3:PutObject", err)),
            }
        })?;
        result.map_err(|message| self.remote(key, message))
    }

    /// The stored state and its ETag.
    fn read_state(&self, stack: &str) -> Result<Option<Seen>, StateError> {
        let key = self.state_key(stack);
        let Some((body, etag)) = self.get(&key)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&body);
        let state = State::parse(&text).map_err(|err| StateError::Corrupt {
            location: self.url(&key),
            message: err.to_string(),
        })?;
        Ok(Some(Seen { etag, state }))
    }

    fn read_lock(&self, stack: &str) -> Result<LockObject, StateError> {
        Ok(match self.get(&self.lock_key(stack))? {
            None => LockObject::Absent,
            Some((body, _)) => LockObject::Present(serde_json::from_slice(&body).ok()),
        })
    }
}

impl StateBackend for S3Backend {
    fn location(&self, stack: &str) -> String {
        self.url(&self.state_key(stack))
    }

    fn lock_location(&self, stack: &str) -> String {
        self.url(&self.lock_key(stack))
    }

    fn load(&self, stack: &str) -> Result<Option<State>, StateError> {
        let read = self.read_state(stack)?;
        let mut seen = self.seen();
        match read {
            Some(read) => {
                let state = read.state.clone();
                seen.insert(stack.to_string(), read);
                Ok(Some(state))
            }
            None => {
                seen.remove(stack);
                Ok(None)
            }
        }
    }

    fn save(
        &self,
        stack: &str,
        state: &State,
        expected_serial: Option<u64>,
    ) -> Result<(), StateError> {
        let key = self.state_key(stack);
        let location = self.url(&key);
        // What the caller says it read: the state this backend last saw, when its serial is
        // the one expected (the usual case: one load, then saves); otherwise what is stored
        // now. Either way the write below is conditional on that exact object.
        let cached = self
            .seen()
            .remove(stack)
            .filter(|seen| Some(seen.state.serial) == expected_serial);
        let base = match cached {
            Some(seen) => Some(seen),
            None if expected_serial.is_none() => None,
            None => self.read_state(stack)?,
        };
        if let Err(err) = check_save(
            &location,
            base.as_ref().map(|b| &b.state),
            state,
            expected_serial,
        ) {
            if let Some(base) = base {
                self.seen().insert(stack.to_string(), base);
            }
            return Err(err);
        }
        let body = state.to_json().into_bytes();
        match self.put(&key, body, base.as_ref().map(|b| b.etag.as_str()))? {
            Put::Written(etag) => {
                self.seen().insert(
                    stack.to_string(),
                    Seen {
                        etag,
                        state: state.clone(),
                    },
                );
                Ok(())
            }
            Put::PreconditionFailed => {
                // Someone else wrote (or deleted) the state since it was read. Say what is
                // there now, as the local backend does.
                let now = self.read_state(stack).ok().flatten();
                let found = now.as_ref().map(|n| n.state.serial);
                if let Some(now) = now {
                    self.seen().insert(stack.to_string(), now);
                }
                Err(StateError::Conflict {
                    location,
                    expected: expected_serial,
                    found,
                })
            }
        }
    }

    fn lock(&self, stack: &str, holder: &LockInfo) -> Result<(), StateError> {
        let key = self.lock_key(stack);
        let mut body = serde_json::to_vec_pretty(holder).unwrap_or_default();
        body.push(b'\n');
        match self.put(&key, body, None)? {
            Put::Written(_) => Ok(()),
            Put::PreconditionFailed => Err(StateError::Locked {
                location: self.url(&key),
                holder: self.read_lock(stack)?.holder().map(Box::new),
            }),
        }
    }

    fn lock_holder(&self, stack: &str) -> Result<Option<LockInfo>, StateError> {
        Ok(self.read_lock(stack)?.holder())
    }

    fn release(&self, stack: &str, holder: &LockInfo) -> Result<Release, StateError> {
        let key = self.lock_key(stack);
        let Some((body, etag)) = self.get(&key)? else {
            return Ok(Release::NotOurs(None));
        };
        let current: Option<LockInfo> = serde_json::from_slice(&body).ok();
        let ours = current
            .as_ref()
            .is_some_and(|c| c.token == holder.token && !holder.token.is_empty());
        if !ours {
            return Ok(Release::NotOurs(current));
        }
        // Only the object read above: a lock broken and taken again since is not removed.
        let request = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(&key)
            .set_if_match((!etag.is_empty()).then_some(etag));
        let result = self.block(&key, async move {
            match request.send().await {
                Ok(_) => Ok(true),
                Err(err) if matches!(status(&err), Some(409 | 412)) => Ok(false),
                Err(err) if status(&err) == Some(404) && !no_bucket(&err) => Ok(true),
                Err(err) => Err(explain("s3:DeleteObject", err)),
            }
        })?;
        if result.map_err(|message| self.remote(&key, message))? {
            Ok(Release::Released)
        } else {
            Ok(Release::NotOurs(self.read_lock(stack)?.holder()))
        }
    }

    fn unlock(&self, stack: &str) -> Result<Option<LockInfo>, StateError> {
        let key = self.lock_key(stack);
        let LockObject::Present(holder) = self.read_lock(stack)? else {
            return Ok(None);
        };
        let request = self.client.delete_object().bucket(&self.bucket).key(&key);
        let result = self.block(&key, async move {
            match request.send().await {
                Ok(_) => Ok(()),
                Err(err) if status(&err) == Some(404) && !no_bucket(&err) => Ok(()),
                Err(err) => Err(explain("s3:DeleteObject", err)),
            }
        })?;
        result.map_err(|message| self.remote(&key, message))?;
        Ok(holder)
    }

    fn stacks(&self) -> Result<Vec<String>, StateError> {
        let folder = self.key("");
        let request = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&folder)
            .delimiter("/");
        let result = self.block(&folder, async move {
            let mut keys = Vec::new();
            let mut pages = request.into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|err| explain("s3:ListObjectsV2", err))?;
                keys.extend(
                    page.contents()
                        .iter()
                        .filter_map(|o| o.key().map(str::to_string)),
                );
            }
            Ok::<_, String>(keys)
        })?;
        let keys = result.map_err(|message| self.remote(&folder, message))?;
        let mut out: Vec<String> = keys
            .iter()
            .filter_map(|k| k.strip_prefix(&folder)?.strip_suffix(".json"))
            .filter(|stem| !stem.is_empty() && !stem.contains('/'))
            .map(str::to_string)
            .collect();
        out.sort();
        Ok(out)
    }
}

fn status<E, R: HasStatus>(err: &SdkError<E, R>) -> Option<u16> {
    match err {
        SdkError::ServiceError(se) => se.raw().status_code(),
        _ => None,
    }
}

/// Whether S3 says the bucket itself does not exist (also a 404, but no missing object).
fn no_bucket<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.code() == Some("NoSuchBucket")
}

/// An S3 error in plain words, with what to do about a missing state bucket.
fn explain<E, R>(operation: &str, err: SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + HasStatus,
{
    let missing = no_bucket(&err);
    let text = translate(operation, err).to_string();
    if missing {
        format!("{text} (the state bucket does not exist: infrac keeps state in it but does not create it; create it, with versioning on, or fix `backend` in infra.toml)")
    } else {
        text
    }
}

fn new_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("infrac-s3-state")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the S3 state backend's runtime: {e}"))
}

/// Runs `future` on `runtime` and waits for it, from any thread, inside a runtime or not.
fn wait<F>(runtime: &tokio::runtime::Runtime, future: F) -> Result<F::Output, String>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        let _ = tx.send(future.await);
    });
    rx.recv()
        .map_err(|_| "the request to S3 stopped before it finished".to_string())
}
