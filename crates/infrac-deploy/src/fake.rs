//! An in-memory cloud for tests of the engine and of what drives it: resources by type and
//! name, every call counted, and failures injected where a test asks.

use crate::provider::{ErrorKind, Observed, OwnerTags, Provider, ProviderError, Resource};
use infrac_plan::ResourceType;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct FakeCloud {
    inner: Mutex<Inner>,
    /// Each call sleeps this long (to measure parallelism).
    pub latency: Duration,
}

#[derive(Debug, Default)]
struct Inner {
    /// (type, name) -> properties.
    resources: BTreeMap<(String, String), Value>,
    /// Every call, as `create media`, `read media`, ...
    calls: Vec<String>,
    /// Calls (`create media`) that fail, with how many times more they will.
    failing: BTreeMap<String, usize>,
    /// Calls that are carried out, then fail as a timeout would (the caller cannot know).
    lost_answers: BTreeMap<String, usize>,
    /// Calls in flight now, and the most there ever were.
    in_flight: usize,
    max_in_flight: usize,
    counter: u64,
    /// The caller's account and region, when a test changed them from the defaults.
    account: Option<String>,
    region: Option<String>,
}

impl FakeCloud {
    pub fn new() -> FakeCloud {
        FakeCloud::default()
    }

    pub fn with_latency(latency: Duration) -> FakeCloud {
        FakeCloud {
            latency,
            ..FakeCloud::default()
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes the call (`create media`) fail the next `times` times.
    pub fn fail(&self, call: &str, times: usize) {
        self.inner().failing.insert(call.to_string(), times);
    }

    /// Makes the call (`create media`) happen, then fail as a timeout would, the next `times`
    /// times: the resource exists, and the caller cannot know it.
    pub fn lose_answer(&self, call: &str, times: usize) {
        self.inner().lost_answers.insert(call.to_string(), times);
    }

    /// Points the fake's credentials at another account and region (the defaults are
    /// `123456789012` and `us-east-1`).
    pub fn set_caller(&self, account: &str, region: &str) {
        let mut inner = self.inner();
        inner.account = Some(account.to_string());
        inner.region = Some(region.to_string());
    }

    pub fn calls(&self) -> Vec<String> {
        self.inner().calls.clone()
    }

    pub fn clear_calls(&self) {
        self.inner().calls.clear();
    }

    pub fn max_in_flight(&self) -> usize {
        self.inner().max_in_flight
    }

    /// The names of the resources of a type that exist.
    pub fn names(&self, ty: ResourceType) -> Vec<String> {
        self.inner()
            .resources
            .keys()
            .filter(|(t, _)| t == ty.as_str())
            .map(|(_, n)| n.clone())
            .collect()
    }

    pub fn get(&self, ty: ResourceType, name: &str) -> Option<Value> {
        self.inner()
            .resources
            .get(&(ty.as_str().to_string(), name.to_string()))
            .cloned()
    }

    /// Changes or removes a resource behind the engine's back.
    pub fn tamper(&self, ty: ResourceType, name: &str, properties: Option<Value>) {
        let key = (ty.as_str().to_string(), name.to_string());
        let mut inner = self.inner();
        match properties {
            Some(p) => {
                inner.resources.insert(key, p);
            }
            None => {
                inner.resources.remove(&key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.inner().resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    async fn call(&self, verb: &str, r: &Resource) -> Result<(), ProviderError> {
        let name = format!("{verb} {}", r.id);
        {
            let mut inner = self.inner();
            inner.calls.push(name.clone());
            inner.in_flight += 1;
            inner.max_in_flight = inner.max_in_flight.max(inner.in_flight);
        }
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        let mut inner = self.inner();
        inner.in_flight -= 1;
        if let Some(times) = inner.failing.get_mut(&name) {
            if *times > 0 {
                *times -= 1;
                return Err(ProviderError::new(
                    ErrorKind::Other,
                    format!("fake:{verb}"),
                    "injected failure",
                )
                .with_code("Injected"));
            }
        }
        Ok(())
    }

    /// A timeout's error, if the call's answer is to be lost.
    fn lost_answer(&self, verb: &str, r: &Resource) -> Result<(), ProviderError> {
        let name = format!("{verb} {}", r.id);
        let mut inner = self.inner();
        match inner.lost_answers.get_mut(&name) {
            Some(times) if *times > 0 => {
                *times -= 1;
                Err(ProviderError::new(
                    ErrorKind::Transient,
                    format!("fake:{verb}"),
                    "timed out (the call may have been carried out)",
                ))
            }
            _ => Ok(()),
        }
    }

    fn outputs(inner: &mut Inner, r: &Resource) -> Value {
        inner.counter += 1;
        let arn = match r.ty {
            ResourceType::EcsTaskDefinition => {
                format!("arn:fake:{}:{}:{}", r.ty, r.name, inner.counter)
            }
            _ => format!("arn:fake:{}:{}", r.ty, r.name),
        };
        json!({"arn": arn})
    }
}

fn key_of(r: &Resource) -> (String, String) {
    (r.ty.as_str().to_string(), r.name.clone())
}

impl Provider for FakeCloud {
    async fn lookup(&self, name: &str) -> Result<Value, ProviderError> {
        match name {
            "aws.region" => Ok(json!(self
                .inner()
                .region
                .clone()
                .unwrap_or_else(|| "us-east-1".into()))),
            "aws.account_id" => Ok(json!(self
                .inner()
                .account
                .clone()
                .unwrap_or_else(|| "123456789012".into()))),
            "default_vpc.subnet_ids" => Ok(json!(["subnet-1", "subnet-2"])),
            other => Err(ProviderError::new(
                ErrorKind::Other,
                "fake:lookup",
                format!("unknown lookup {other}"),
            )),
        }
    }

    /// A resource's tags are its properties' `tags`; the types AWS cannot tag answer with
    /// their parent's, found by the property that names it (`bucket`, `function_name`).
    async fn owner_tags(&self, r: &Resource) -> Result<Option<OwnerTags>, ProviderError> {
        self.call("tags", r).await?;
        let inner = self.inner();
        let parent = match r.ty {
            ResourceType::S3BucketNotification => Some((ResourceType::S3Bucket, "bucket")),
            ResourceType::LambdaPermission => Some((ResourceType::LambdaFunction, "function_name")),
            _ => None,
        };
        let stored = match parent {
            Some((ty, key)) => {
                if !inner.resources.contains_key(&key_of(r)) {
                    return Ok(None);
                }
                let parent = r.properties.get(key).and_then(Value::as_str).unwrap_or("");
                inner
                    .resources
                    .get(&(ty.as_str().to_string(), parent.to_string()))
            }
            None => inner.resources.get(&key_of(r)),
        };
        Ok(stored.map(|stored| OwnerTags {
            tags: stored["properties"]["tags"]
                .as_object()
                .map(|tags| {
                    tags.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
            from_parent: parent.is_some(),
            created: None,
        }))
    }

    async fn add_tags(
        &self,
        r: &Resource,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        self.call("tag", r).await?;
        let mut inner = self.inner();
        let Some(stored) = inner.resources.get_mut(&key_of(r)) else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "tag",
                format!("{} {} does not exist", r.ty, r.name),
            ));
        };
        if !stored["properties"]["tags"].is_object() {
            stored["properties"]["tags"] = Value::Object(serde_json::Map::new());
        }
        for (k, v) in tags {
            stored["properties"]["tags"][k] = Value::String(v.clone());
        }
        Ok(())
    }

    async fn read(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        self.call("read", r).await?;
        let inner = self.inner();
        Ok(inner.resources.get(&key_of(r)).map(|stored| {
            let mut properties = serde_json::Map::new();
            for k in ["memory", "timeout"] {
                if let Some(v) = stored.get("properties").and_then(|p| p.get(k)) {
                    properties.insert(k.to_string(), v.clone());
                }
            }
            Observed {
                outputs: stored["outputs"].clone(),
                properties,
            }
        }))
    }

    async fn create(&self, r: &Resource) -> Result<Value, ProviderError> {
        self.call("create", r).await?;
        let mut inner = self.inner();
        if inner.resources.contains_key(&key_of(r)) {
            return Err(ProviderError::new(
                ErrorKind::AlreadyExists,
                "fake:create",
                format!("{} exists", r.name),
            ));
        }
        let outputs = Self::outputs(&mut inner, r);
        inner.resources.insert(
            key_of(r),
            json!({"properties": r.properties, "outputs": outputs}),
        );
        drop(inner);
        self.lost_answer("create", r)?;
        Ok(outputs)
    }

    async fn update(&self, r: &Resource, _old: Option<&Resource>) -> Result<Value, ProviderError> {
        self.call("update", r).await?;
        let mut inner = self.inner();
        let Some(stored) = inner.resources.get(&key_of(r)).cloned() else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "fake:update",
                format!("{} does not exist", r.name),
            ));
        };
        let outputs = stored["outputs"].clone();
        inner.resources.insert(
            key_of(r),
            json!({"properties": r.properties, "outputs": outputs}),
        );
        Ok(outputs)
    }

    async fn delete(&self, r: &Resource) -> Result<(), ProviderError> {
        self.call("delete", r).await?;
        let mut inner = self.inner();
        match inner.resources.remove(&key_of(r)) {
            Some(_) => Ok(()),
            None => Err(ProviderError::new(
                ErrorKind::NotFound,
                "fake:delete",
                format!("{} does not exist", r.name),
            )),
        }
    }
}
