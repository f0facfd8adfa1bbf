//! Credentials, region and endpoint: the SDK's standard chains (environment, profiles,
//! `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` as the SDKs honour them), one HTTP
//! client for every service (hyper with rustls on ring; it speaks plain `http://` to a local
//! endpoint too), path-style S3 addressing when an endpoint is set, and the test hooks.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The SDK configuration: `region` (from `infra.toml`) wins over the environment's.
pub async fn load_sdk_config(region: Option<&str>) -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    loader.load().await
}

/// Whether an endpoint other than AWS's is configured (moto, LocalStack): S3 then needs
/// path-style addressing, since `bucket.127.0.0.1` resolves nowhere.
pub fn custom_endpoint(config: &SdkConfig) -> bool {
    config.endpoint_url().is_some()
        || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some_and(|v| !v.is_empty())
}

/// Test hooks, read once from the environment, and only in a build with the `test-hooks`
/// feature (which only the `infrac` crate's tests turn on). They exist for infrac's own tests:
/// - `INFRAC_TEST_KILL_AFTER_CALLS=N`: the process sends itself SIGKILL just before its
///   N+1-th AWS call is sent, to test crash safety at every point of a deploy;
/// - `INFRAC_TEST_CALL_LOG=FILE`: every AWS call is appended to FILE as `service operation`.
#[derive(Debug, Default)]
pub struct CallHook {
    kill_after: Option<u64>,
    log: Option<std::path::PathBuf>,
    calls: AtomicU64,
}

impl CallHook {
    pub fn from_env() -> Arc<CallHook> {
        if !cfg!(feature = "test-hooks") {
            return Arc::new(CallHook::default());
        }
        Arc::new(CallHook {
            kill_after: std::env::var("INFRAC_TEST_KILL_AFTER_CALLS")
                .ok()
                .and_then(|v| v.parse().ok()),
            log: std::env::var_os("INFRAC_TEST_CALL_LOG").map(Into::into),
            calls: AtomicU64::new(0),
        })
    }

    pub fn is_active(&self) -> bool {
        self.kill_after.is_some() || self.log.is_some()
    }

    /// How many calls were sent.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

/// The interceptor that carries a [`CallHook`] into every client.
#[derive(Debug, Clone)]
pub struct HookInterceptor(pub Arc<CallHook>);

impl Intercept for HookInterceptor {
    fn name(&self) -> &'static str {
        "InfracTestHook"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let hook = &self.0;
        let n = hook.calls.fetch_add(1, Ordering::SeqCst);
        if hook.kill_after.is_some_and(|limit| n >= limit) {
            kill_self();
        }
        if let Some(path) = &hook.log {
            let (service, operation) = cfg
                .load::<Metadata>()
                .map_or(("?", "?"), |m| (m.service(), m.name()));
            if let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                // One write per line: with O_APPEND the kernel keeps a single write whole, so
                // lines from parallel calls never interleave (several writes per line did).
                let _ = file.write_all(format!("{service} {operation}\n").as_bytes());
            }
        }
        Ok(())
    }
}

/// Dies at once, as `kill -9` would have it: no destructor runs, no lock is released.
fn kill_self() -> ! {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &std::process::id().to_string()])
        .status();
    std::process::abort()
}

/// A configuration with fixed credentials and endpoint (tests against a local endpoint).
pub async fn static_config(endpoint: &str, region: &str) -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "static",
        ))
        .load()
        .await
}
