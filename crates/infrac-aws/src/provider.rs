//! The AWS provider: create, read, update and delete for every resource type the lowering
//! emits, on the SDK's clients.

use crate::config::{custom_endpoint, CallHook, HookInterceptor};
use crate::docker;
use crate::error::{invalid, translate};
use aws_config::SdkConfig;
use aws_smithy_types::Blob;
use infrac_deploy::{ErrorKind, Observed, Provider, ProviderError, Resource};
use infrac_plan::{Action, PlanStep, ResourceType};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// The SDK clients, made once from one configuration.
#[derive(Clone, Debug)]
pub struct Clients {
    pub config: SdkConfig,
    pub s3: aws_sdk_s3::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub iam: aws_sdk_iam::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub sts: aws_sdk_sts::Client,
    pub hook: Arc<CallHook>,
}

macro_rules! client {
    ($krate:ident, $config:expr, $hook:expr) => {{
        let mut builder = $krate::config::Builder::from($config);
        if $hook.is_active() {
            builder = builder.interceptor(HookInterceptor(Arc::clone($hook)));
        }
        $krate::Client::from_conf(builder.build())
    }};
}

impl Clients {
    pub fn new(config: &SdkConfig) -> Clients {
        let hook = CallHook::from_env();
        let mut s3 = aws_sdk_s3::config::Builder::from(config);
        if custom_endpoint(config) {
            s3 = s3.force_path_style(true);
        }
        if hook.is_active() {
            s3 = s3.interceptor(HookInterceptor(Arc::clone(&hook)));
        }
        Clients {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            lambda: client!(aws_sdk_lambda, config, &hook),
            iam: client!(aws_sdk_iam, config, &hook),
            logs: client!(aws_sdk_cloudwatchlogs, config, &hook),
            ecs: client!(aws_sdk_ecs, config, &hook),
            ecr: client!(aws_sdk_ecr, config, &hook),
            events: client!(aws_sdk_eventbridge, config, &hook),
            sts: client!(aws_sdk_sts, config, &hook),
            config: config.clone(),
            hook,
        }
    }

    pub fn region(&self) -> Option<String> {
        self.config.region().map(ToString::to_string)
    }
}

/// The provider for one project.
#[derive(Debug)]
pub struct AwsProvider {
    pub clients: Clients,
    /// Where `code` and `build` paths are relative to.
    project_root: PathBuf,
    account: OnceCell<String>,
    subnets: OnceCell<Value>,
    /// How long to keep retrying AWS's known eventual-consistency gaps (a new role that
    /// Lambda cannot assume yet).
    pub consistency_wait: Duration,
}

impl AwsProvider {
    pub fn new(clients: Clients, project_root: PathBuf) -> AwsProvider {
        AwsProvider {
            clients,
            project_root,
            account: OnceCell::new(),
            subnets: OnceCell::new(),
            consistency_wait: Duration::from_secs(90),
        }
    }

    pub async fn account_id(&self) -> Result<String, ProviderError> {
        self.account
            .get_or_try_init(|| async {
                let out = self
                    .clients
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| translate("sts:GetCallerIdentity", e))?;
                out.account()
                    .map(str::to_string)
                    .ok_or_else(|| invalid("sts:GetCallerIdentity", "no account id in the answer"))
            })
            .await
            .cloned()
    }
}

// ---- helpers -------------------------------------------------------------------------------

fn s(props: &Value, key: &str) -> String {
    props
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn int(props: &Value, key: &str) -> i64 {
    props.get(key).and_then(Value::as_i64).unwrap_or_default()
}

fn flag(props: &Value, key: &str) -> bool {
    props.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn tags(props: &Value) -> Vec<(String, String)> {
    props
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn tag_map(props: &Value) -> HashMap<String, String> {
    tags(props).into_iter().collect()
}

fn arn_output(arn: impl Into<String>) -> Value {
    json!({ "arn": arn.into() })
}

/// Retries `f` while `retry` says the error is one of AWS's short-lived gaps, for at most
/// `max` in all, with a growing pause.
async fn retry_while<T, F, Fut>(
    max: Duration,
    retry: impl Fn(&ProviderError) -> bool,
    mut f: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let start = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        match f().await {
            Err(err) if retry(&err) && start.elapsed() + pause < max => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            other => return other,
        }
    }
}

fn role_not_ready(err: &ProviderError) -> bool {
    let m = err.message.to_ascii_lowercase();
    err.code.as_deref() == Some("InvalidParameterValueException")
        && (m.contains("cannot be assumed") || m.contains("role"))
}

fn update_in_progress(err: &ProviderError) -> bool {
    err.code.as_deref() == Some("ResourceConflictException")
        && err.message.to_ascii_lowercase().contains("in progress")
}

fn json_text(value: Option<&Value>) -> String {
    value.map(Value::to_string).unwrap_or_else(|| "{}".into())
}

/// IAM returns policy documents URL-encoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_policy(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(text)).ok())
}

// ---- the provider --------------------------------------------------------------------------

impl Provider for AwsProvider {
    async fn lookup(&self, name: &str) -> Result<Value, ProviderError> {
        match name {
            "aws.region" => self.clients.region().map(Value::String).ok_or_else(|| {
                invalid("lookup aws.region", "no region is configured").with_hint(
                    "set `region` in infra.toml, or AWS_REGION, or a region in your AWS profile",
                )
            }),
            "aws.account_id" => self.account_id().await.map(Value::String),
            "default_vpc.subnet_ids" => self
                .subnets
                .get_or_try_init(|| async {
                    crate::ec2::default_subnets(&self.clients.config)
                        .await
                        .map(|ids| json!(ids))
                })
                .await
                .cloned(),
            other => Err(invalid("lookup", format!("unknown lookup `{other}`"))),
        }
    }

    async fn preflight(&self, steps: &[PlanStep]) -> Result<(), ProviderError> {
        let builds: Vec<&PlanStep> = steps
            .iter()
            .filter(|s| s.ty == ResourceType::EcrImage && s.action != Action::Delete)
            .collect();
        if let Some(first) = builds.first() {
            docker::check_engine(&first.id).await?;
        }
        for step in steps {
            if step.ty == ResourceType::S3Bucket
                && step.action == Action::Delete
                && !flag(&step.properties, "force_destroy")
            {
                self.check_bucket_empty(&step.name, &step.id).await?;
            }
        }
        Ok(())
    }

    async fn read(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        match r.ty {
            ResourceType::S3Bucket => self.read_bucket(r).await,
            ResourceType::S3BucketNotification => self.read_notifications(r).await,
            ResourceType::IamRole => self.read_role(r).await,
            ResourceType::LambdaFunction => self.read_function(r).await,
            ResourceType::LambdaPermission => self.read_permission(r).await,
            ResourceType::LogGroup => self.read_log_group(r).await,
            ResourceType::EcsCluster => self.read_cluster(r).await,
            ResourceType::EcsTaskDefinition => self.read_task_definition(r).await,
            ResourceType::EcrRepository => self.read_repository(r).await,
            ResourceType::EcrImage => self.read_image(r).await,
            ResourceType::EventsRule => self.read_rule(r).await,
        }
    }

    async fn create(&self, r: &Resource) -> Result<Value, ProviderError> {
        match r.ty {
            ResourceType::S3Bucket => self.create_bucket(r).await,
            ResourceType::S3BucketNotification => self.put_notifications(r).await,
            ResourceType::IamRole => self.create_role(r).await,
            ResourceType::LambdaFunction => self.create_function(r).await,
            ResourceType::LambdaPermission => self.add_permission(r).await,
            ResourceType::LogGroup => self.create_log_group(r).await,
            ResourceType::EcsCluster => self.create_cluster(r).await,
            ResourceType::EcsTaskDefinition => self.register_task_definition(r).await,
            ResourceType::EcrRepository => self.create_repository(r).await,
            ResourceType::EcrImage => self.push_image(r).await,
            ResourceType::EventsRule => self.put_rule(r, true).await,
        }
    }

    async fn update(&self, r: &Resource, old: Option<&Resource>) -> Result<Value, ProviderError> {
        match r.ty {
            ResourceType::S3Bucket => self.configure_bucket(r, old).await,
            ResourceType::S3BucketNotification => self.put_notifications(r).await,
            ResourceType::IamRole => self.update_role(r).await,
            ResourceType::LambdaFunction => self.update_function(r, old).await,
            ResourceType::LambdaPermission => {
                self.remove_permission(old.unwrap_or(r))
                    .await
                    .or_else(ignore_not_found)?;
                self.add_permission(r).await
            }
            ResourceType::LogGroup => self.update_log_group(r).await,
            ResourceType::EcsCluster => self.update_cluster(r).await,
            ResourceType::EcsTaskDefinition => self.register_task_definition(r).await,
            ResourceType::EcrRepository => self.update_repository(r).await,
            ResourceType::EcrImage => self.push_image(r).await,
            ResourceType::EventsRule => self.put_rule(r, false).await,
        }
    }

    async fn delete(&self, r: &Resource) -> Result<(), ProviderError> {
        match r.ty {
            ResourceType::S3Bucket => self.delete_bucket(r).await,
            ResourceType::S3BucketNotification => self.delete_notifications(r).await,
            ResourceType::IamRole => self.delete_role(r).await,
            ResourceType::LambdaFunction => self.delete_function(r).await,
            ResourceType::LambdaPermission => self.remove_permission(r).await,
            ResourceType::LogGroup => self.delete_log_group(r).await,
            ResourceType::EcsCluster => self.delete_cluster(r).await,
            ResourceType::EcsTaskDefinition => self.deregister_task_definitions(r).await,
            ResourceType::EcrRepository => self.delete_repository(r).await,
            ResourceType::EcrImage => self.delete_image(r).await,
            ResourceType::EventsRule => self.delete_rule(r).await,
        }
    }
}

fn ignore_not_found(err: ProviderError) -> Result<(), ProviderError> {
    if err.is_not_found() {
        Ok(())
    } else {
        Err(err)
    }
}

// ---- S3 ------------------------------------------------------------------------------------

impl AwsProvider {
    async fn read_bucket(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        let s3 = &self.clients.s3;
        match s3.head_bucket().bucket(&r.name).send().await {
            Ok(_) => {}
            Err(e) => {
                let err = translate("s3:HeadBucket", e);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        }
        let mut properties = Map::new();
        let status = self.versioning_status(&r.name).await?;
        properties.insert(
            "versioning".into(),
            json!(status == Some(aws_sdk_s3::types::BucketVersioningStatus::Enabled)),
        );
        Ok(Some(Observed {
            outputs: arn_output(format!("arn:aws:s3:::{}", r.name)),
            properties,
        }))
    }

    async fn create_bucket(&self, r: &Resource) -> Result<Value, ProviderError> {
        use aws_sdk_s3::types::{
            BucketLocationConstraint, CreateBucketConfiguration, ObjectOwnership,
        };
        let mut req = self
            .clients
            .s3
            .create_bucket()
            .bucket(&r.name)
            .object_ownership(ObjectOwnership::BucketOwnerEnforced);
        if let Some(region) = self.clients.region().filter(|r| r != "us-east-1") {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(|e| translate("s3:CreateBucket", e))?;
        self.configure_bucket(r, None).await
    }

    /// Applies every setting of a bucket (they are all idempotent puts).
    async fn configure_bucket(
        &self,
        r: &Resource,
        old: Option<&Resource>,
    ) -> Result<Value, ProviderError> {
        use aws_sdk_s3::types::*;
        let s3 = &self.clients.s3;
        let p = &r.properties;
        let b = &r.name;
        let pab = &p["public_access_block"];
        s3.put_public_access_block()
            .bucket(b)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(flag(pab, "block_public_acls"))
                    .block_public_policy(flag(pab, "block_public_policy"))
                    .ignore_public_acls(flag(pab, "ignore_public_acls"))
                    .restrict_public_buckets(flag(pab, "restrict_public_buckets"))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| translate("s3:PutPublicAccessBlock", e))?;
        let ownership = ObjectOwnership::from(
            p["object_ownership"]
                .as_str()
                .unwrap_or("BucketOwnerEnforced"),
        );
        s3.put_bucket_ownership_controls()
            .bucket(b)
            .ownership_controls(
                OwnershipControls::builder()
                    .rules(
                        OwnershipControlsRule::builder()
                            .object_ownership(ownership)
                            .build()
                            .map_err(|e| invalid("s3:PutBucketOwnershipControls", e.to_string()))?,
                    )
                    .build()
                    .map_err(|e| invalid("s3:PutBucketOwnershipControls", e.to_string()))?,
            )
            .send()
            .await
            .map_err(|e| translate("s3:PutBucketOwnershipControls", e))?;
        let algorithm = ServerSideEncryption::from(
            p["encryption"]["sse_algorithm"]
                .as_str()
                .unwrap_or("AES256"),
        );
        s3.put_bucket_encryption()
            .bucket(b)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(algorithm)
                                    .build()
                                    .map_err(|e| {
                                        invalid("s3:PutBucketEncryption", e.to_string())
                                    })?,
                            )
                            .build(),
                    )
                    .build()
                    .map_err(|e| invalid("s3:PutBucketEncryption", e.to_string()))?,
            )
            .send()
            .await
            .map_err(|e| translate("s3:PutBucketEncryption", e))?;
        let versioning = flag(p, "versioning");
        let was_versioned = old.map(|o| flag(&o.properties, "versioning"));
        // A bucket never versioned stays so; one that was is suspended (S3 cannot go back).
        if versioning || was_versioned != Some(false) {
            let status = if versioning {
                BucketVersioningStatus::Enabled
            } else {
                BucketVersioningStatus::Suspended
            };
            let current = if versioning {
                None
            } else {
                self.versioning_status(b).await?
            };
            if versioning || current.is_some() {
                s3.put_bucket_versioning()
                    .bucket(b)
                    .versioning_configuration(
                        VersioningConfiguration::builder().status(status).build(),
                    )
                    .send()
                    .await
                    .map_err(|e| translate("s3:PutBucketVersioning", e))?;
            }
        }
        if let Some(days) = p
            .get("lifecycle")
            .and_then(|l| l.get("expire_after_days"))
            .and_then(Value::as_i64)
        {
            s3.put_bucket_lifecycle_configuration()
                .bucket(b)
                .lifecycle_configuration(
                    BucketLifecycleConfiguration::builder()
                        .rules(
                            LifecycleRule::builder()
                                .id("infrac-expire")
                                .status(ExpirationStatus::Enabled)
                                .filter(LifecycleRuleFilter::builder().prefix("").build())
                                .expiration(
                                    LifecycleExpiration::builder().days(days as i32).build(),
                                )
                                .build()
                                .map_err(|e| {
                                    invalid("s3:PutBucketLifecycleConfiguration", e.to_string())
                                })?,
                        )
                        .build()
                        .map_err(|e| {
                            invalid("s3:PutBucketLifecycleConfiguration", e.to_string())
                        })?,
                )
                .send()
                .await
                .map_err(|e| translate("s3:PutBucketLifecycleConfiguration", e))?;
        } else if old.is_none_or(|o| o.properties.get("lifecycle").is_some()) {
            s3.delete_bucket_lifecycle()
                .bucket(b)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| translate("s3:DeleteBucketLifecycle", e))
                .or_else(ignore_not_found)?;
        }
        let mut tag_set = Vec::new();
        for (k, v) in tags(p) {
            tag_set.push(
                Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| invalid("s3:PutBucketTagging", e.to_string()))?,
            );
        }
        s3.put_bucket_tagging()
            .bucket(b)
            .tagging(
                Tagging::builder()
                    .set_tag_set(Some(tag_set))
                    .build()
                    .map_err(|e| invalid("s3:PutBucketTagging", e.to_string()))?,
            )
            .send()
            .await
            .map_err(|e| translate("s3:PutBucketTagging", e))?;
        Ok(arn_output(format!("arn:aws:s3:::{b}")))
    }

    /// A bucket's versioning status; `None` for one never versioned.
    async fn versioning_status(
        &self,
        bucket: &str,
    ) -> Result<Option<aws_sdk_s3::types::BucketVersioningStatus>, ProviderError> {
        match self
            .clients
            .s3
            .get_bucket_versioning()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => Ok(out.status().cloned()),
            Err(e) => {
                let err = translate("s3:GetBucketVersioning", e);
                // moto answers an empty `GetBucketVersioningResponse` (not the
                // `VersioningConfiguration` AWS sends) for a bucket never versioned.
                if err.code.as_deref() == Some("HTTP 200")
                    && err.message.contains("GetBucketVersioningResponse")
                {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    async fn check_bucket_empty(&self, bucket: &str, id: &str) -> Result<(), ProviderError> {
        let out = match self
            .clients
            .s3
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let err = translate("s3:ListObjectVersions", e);
                return ignore_not_found(err);
            }
        };
        if !out.versions().is_empty() || !out.delete_markers().is_empty() {
            return Err(ProviderError::new(
                ErrorKind::Precondition,
                "s3:DeleteBucket",
                format!("bucket `{id}` ({bucket}) still holds objects"),
            )
            .with_code("BucketNotEmpty")
            .with_hint("set `force_destroy = true` on the bucket and deploy, or empty it yourself; destroy deletes a bucket's objects only when told to"));
        }
        Ok(())
    }

    async fn delete_bucket(&self, r: &Resource) -> Result<(), ProviderError> {
        let s3 = &self.clients.s3;
        if flag(&r.properties, "force_destroy") {
            self.empty_bucket(&r.name).await.or_else(ignore_not_found)?;
        } else {
            self.check_bucket_empty(&r.name, &r.id).await?;
        }
        s3.delete_bucket()
            .bucket(&r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("s3:DeleteBucket", e))
    }

    async fn empty_bucket(&self, bucket: &str) -> Result<(), ProviderError> {
        use aws_sdk_s3::types::{Delete, ObjectIdentifier};
        let s3 = &self.clients.s3;
        loop {
            let out = s3
                .list_object_versions()
                .bucket(bucket)
                .max_keys(1000)
                .send()
                .await
                .map_err(|e| translate("s3:ListObjectVersions", e))?;
            let mut ids = Vec::new();
            for v in out.versions() {
                ids.push(
                    ObjectIdentifier::builder()
                        .set_key(v.key().map(str::to_string))
                        .set_version_id(v.version_id().map(str::to_string))
                        .build()
                        .map_err(|e| invalid("s3:DeleteObjects", e.to_string()))?,
                );
            }
            for m in out.delete_markers() {
                ids.push(
                    ObjectIdentifier::builder()
                        .set_key(m.key().map(str::to_string))
                        .set_version_id(m.version_id().map(str::to_string))
                        .build()
                        .map_err(|e| invalid("s3:DeleteObjects", e.to_string()))?,
                );
            }
            if ids.is_empty() {
                return Ok(());
            }
            s3.delete_objects()
                .bucket(bucket)
                .delete(
                    Delete::builder()
                        .set_objects(Some(ids))
                        .quiet(true)
                        .build()
                        .map_err(|e| invalid("s3:DeleteObjects", e.to_string()))?,
                )
                .send()
                .await
                .map_err(|e| translate("s3:DeleteObjects", e))?;
        }
    }

    async fn read_notifications(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        let bucket = s(&r.properties, "bucket");
        let bucket = if bucket.is_empty() {
            r.name.clone()
        } else {
            bucket
        };
        match self
            .clients
            .s3
            .get_bucket_notification_configuration()
            .bucket(&bucket)
            .send()
            .await
        {
            Ok(out) => {
                let mut properties = Map::new();
                // Only a switch seen on is reported: moto (5.2) never returns the
                // EventBridge configuration, and a false drift would update on every run.
                if out.event_bridge_configuration().is_some() {
                    properties.insert("eventbridge".into(), json!(true));
                }
                Ok(Some(Observed {
                    outputs: json!({}),
                    properties,
                }))
            }
            // A 200 whose body does not parse: moto (5.2) answers a bucket that never had a
            // notification configuration with an empty result under the wrong root element,
            // where AWS returns an empty `NotificationConfiguration`. Either way there is
            // nothing configured yet, and the put that follows sets it.
            Err(e) if unparsed_success(&e) => Ok(Some(Observed {
                outputs: json!({}),
                properties: Map::new(),
            })),
            Err(e) => {
                let err = translate("s3:GetBucketNotificationConfiguration", e);
                if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    async fn put_notifications(&self, r: &Resource) -> Result<Value, ProviderError> {
        use aws_sdk_s3::types::*;
        let p = &r.properties;
        let mut config = NotificationConfiguration::builder();
        for f in p
            .get("lambda_functions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut rules = Vec::new();
            for (key, name) in [
                ("prefix", FilterRuleName::Prefix),
                ("suffix", FilterRuleName::Suffix),
            ] {
                if let Some(v) = f
                    .get("filter")
                    .and_then(|x| x.get(key))
                    .and_then(Value::as_str)
                {
                    rules.push(FilterRule::builder().name(name).value(v).build());
                }
            }
            let mut lambda = LambdaFunctionConfiguration::builder()
                .id(s(f, "id"))
                .lambda_function_arn(s(f, "function_arn"))
                .set_events(Some(
                    strings(f.get("events"))
                        .iter()
                        .map(|e| Event::from(e.as_str()))
                        .collect(),
                ));
            if !rules.is_empty() {
                lambda = lambda.filter(
                    NotificationConfigurationFilter::builder()
                        .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
                        .build(),
                );
            }
            config =
                config.lambda_function_configurations(lambda.build().map_err(|e| {
                    invalid("s3:PutBucketNotificationConfiguration", e.to_string())
                })?);
        }
        if flag(p, "eventbridge") {
            config = config.event_bridge_configuration(EventBridgeConfiguration::builder().build());
        }
        self.clients
            .s3
            .put_bucket_notification_configuration()
            .bucket(s(p, "bucket"))
            .notification_configuration(config.build())
            .send()
            .await
            .map_err(|e| translate("s3:PutBucketNotificationConfiguration", e))?;
        Ok(json!({}))
    }

    async fn delete_notifications(&self, r: &Resource) -> Result<(), ProviderError> {
        let bucket = s(&r.properties, "bucket");
        let bucket = if bucket.is_empty() {
            r.name.clone()
        } else {
            bucket
        };
        self.clients
            .s3
            .put_bucket_notification_configuration()
            .bucket(bucket)
            .notification_configuration(
                aws_sdk_s3::types::NotificationConfiguration::builder().build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("s3:PutBucketNotificationConfiguration", e))
    }
}

// ---- IAM -----------------------------------------------------------------------------------

impl AwsProvider {
    async fn read_role(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        let iam = &self.clients.iam;
        let role = match iam.get_role().role_name(&r.name).send().await {
            Ok(out) => out,
            Err(e) => {
                let err = translate("iam:GetRole", e);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        };
        let arn = role.role().map(|r| r.arn().to_string()).unwrap_or_default();
        let mut properties = Map::new();
        if let Some(doc) = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .and_then(parse_policy)
        {
            properties.insert("assume_role_policy".into(), doc);
        }
        properties.insert(
            "policies".into(),
            Value::Object(self.role_policies(&r.name).await?),
        );
        Ok(Some(Observed {
            outputs: arn_output(arn),
            properties,
        }))
    }

    /// A role's inline policies, by name, as JSON.
    pub async fn role_policies(&self, role: &str) -> Result<Map<String, Value>, ProviderError> {
        let iam = &self.clients.iam;
        let names = iam
            .list_role_policies()
            .role_name(role)
            .send()
            .await
            .map_err(|e| translate("iam:ListRolePolicies", e))?;
        let mut out = Map::new();
        for name in names.policy_names() {
            let policy = iam
                .get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| translate("iam:GetRolePolicy", e))?;
            out.insert(
                name.clone(),
                parse_policy(policy.policy_document()).unwrap_or(Value::Null),
            );
        }
        Ok(out)
    }

    async fn create_role(&self, r: &Resource) -> Result<Value, ProviderError> {
        let iam = &self.clients.iam;
        let mut req = iam
            .create_role()
            .role_name(&r.name)
            .assume_role_policy_document(json_text(r.properties.get("assume_role_policy")));
        for (k, v) in tags(&r.properties) {
            req = req.tags(
                aws_sdk_iam::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| invalid("iam:CreateRole", e.to_string()))?,
            );
        }
        let out = req
            .send()
            .await
            .map_err(|e| translate("iam:CreateRole", e))?;
        self.put_role_policies(r, &Map::new()).await?;
        Ok(arn_output(
            out.role().map(|r| r.arn().to_string()).unwrap_or_default(),
        ))
    }

    async fn put_role_policies(
        &self,
        r: &Resource,
        existing: &Map<String, Value>,
    ) -> Result<(), ProviderError> {
        let iam = &self.clients.iam;
        let desired = r
            .properties
            .get("policies")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, doc) in &desired {
            if existing.get(name) == Some(doc) {
                continue;
            }
            iam.put_role_policy()
                .role_name(&r.name)
                .policy_name(name)
                .policy_document(doc.to_string())
                .send()
                .await
                .map_err(|e| translate("iam:PutRolePolicy", e))?;
        }
        for name in existing.keys().filter(|n| !desired.contains_key(*n)) {
            iam.delete_role_policy()
                .role_name(&r.name)
                .policy_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| translate("iam:DeleteRolePolicy", e))
                .or_else(ignore_not_found)?;
        }
        Ok(())
    }

    async fn update_role(&self, r: &Resource) -> Result<Value, ProviderError> {
        let iam = &self.clients.iam;
        let role = iam
            .get_role()
            .role_name(&r.name)
            .send()
            .await
            .map_err(|e| translate("iam:GetRole", e))?;
        let arn = role.role().map(|r| r.arn().to_string()).unwrap_or_default();
        let trust = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .and_then(parse_policy);
        if trust.as_ref() != r.properties.get("assume_role_policy") {
            iam.update_assume_role_policy()
                .role_name(&r.name)
                .policy_document(json_text(r.properties.get("assume_role_policy")))
                .send()
                .await
                .map_err(|e| translate("iam:UpdateAssumeRolePolicy", e))?;
        }
        let existing = self.role_policies(&r.name).await?;
        self.put_role_policies(r, &existing).await?;
        let current = iam
            .list_role_tags()
            .role_name(&r.name)
            .send()
            .await
            .map_err(|e| translate("iam:ListRoleTags", e))?;
        let desired = tag_map(&r.properties);
        let stale: Vec<String> = current
            .tags()
            .iter()
            .map(|t| t.key().to_string())
            .filter(|k| !desired.contains_key(k))
            .collect();
        if !stale.is_empty() {
            iam.untag_role()
                .role_name(&r.name)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(|e| translate("iam:UntagRole", e))?;
        }
        let differs = desired.iter().any(|(k, v)| {
            !current
                .tags()
                .iter()
                .any(|t| t.key() == k && t.value() == v)
        });
        if differs {
            let mut req = iam.tag_role().role_name(&r.name);
            for (k, v) in desired {
                req = req.tags(
                    aws_sdk_iam::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                        .map_err(|e| invalid("iam:TagRole", e.to_string()))?,
                );
            }
            req.send().await.map_err(|e| translate("iam:TagRole", e))?;
        }
        Ok(arn_output(arn))
    }

    async fn delete_role(&self, r: &Resource) -> Result<(), ProviderError> {
        let iam = &self.clients.iam;
        let names = match iam.list_role_policies().role_name(&r.name).send().await {
            Ok(out) => out.policy_names().to_vec(),
            Err(e) => return ignore_not_found(translate("iam:ListRolePolicies", e)),
        };
        for name in names {
            iam.delete_role_policy()
                .role_name(&r.name)
                .policy_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| translate("iam:DeleteRolePolicy", e))
                .or_else(ignore_not_found)?;
        }
        iam.delete_role()
            .role_name(&r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("iam:DeleteRole", e))
    }
}

// ---- CloudWatch Logs ------------------------------------------------------------------------

impl AwsProvider {
    async fn log_group_arn(&self, name: &str) -> Result<Option<String>, ProviderError> {
        let out = self
            .clients
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send()
            .await
            .map_err(|e| translate("logs:DescribeLogGroups", e))?;
        Ok(out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
            .map(|g| {
                g.arn()
                    .unwrap_or_default()
                    .trim_end_matches(":*")
                    .to_string()
            }))
    }

    async fn read_log_group(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        Ok(self.log_group_arn(&r.name).await?.map(|arn| Observed {
            outputs: arn_output(arn),
            properties: Map::new(),
        }))
    }

    async fn create_log_group(&self, r: &Resource) -> Result<Value, ProviderError> {
        self.clients
            .logs
            .create_log_group()
            .log_group_name(&r.name)
            .set_tags(Some(tag_map(&r.properties)))
            .send()
            .await
            .map_err(|e| translate("logs:CreateLogGroup", e))?;
        self.log_group_output(r).await
    }

    async fn log_group_output(&self, r: &Resource) -> Result<Value, ProviderError> {
        match self.log_group_arn(&r.name).await? {
            Some(arn) => Ok(arn_output(arn)),
            None => Err(ProviderError::new(
                ErrorKind::NotFound,
                "logs:DescribeLogGroups",
                format!("log group {} does not exist", r.name),
            )),
        }
    }

    #[allow(deprecated)]
    async fn update_log_group(&self, r: &Resource) -> Result<Value, ProviderError> {
        self.clients
            .logs
            .tag_log_group()
            .log_group_name(&r.name)
            .set_tags(Some(tag_map(&r.properties)))
            .send()
            .await
            .map_err(|e| translate("logs:TagLogGroup", e))?;
        self.log_group_output(r).await
    }

    async fn delete_log_group(&self, r: &Resource) -> Result<(), ProviderError> {
        self.clients
            .logs
            .delete_log_group()
            .log_group_name(&r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("logs:DeleteLogGroup", e))
    }
}

// ---- Lambda --------------------------------------------------------------------------------

impl AwsProvider {
    fn code_zip(&self, r: &Resource) -> Result<Vec<u8>, ProviderError> {
        let path = self.project_root.join(s(&r.properties["code"], "path"));
        infrac_deploy::artifact::zip_code(&path).map_err(|e| {
            invalid("zip code", format!("cannot read {}: {e}", path.display()))
                .with_hint("the function's `code` must name a file or folder of the project")
        })
    }

    async fn read_function(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        let out = match self
            .clients
            .lambda
            .get_function_configuration()
            .function_name(&r.name)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let err = translate("lambda:GetFunctionConfiguration", e);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        };
        let mut properties = Map::new();
        if let Some(m) = out.memory_size() {
            properties.insert("memory".into(), json!(m));
        }
        if let Some(t) = out.timeout() {
            properties.insert("timeout".into(), json!(t));
        }
        if let Some(h) = out.handler() {
            properties.insert("handler".into(), json!(h));
        }
        if let Some(rt) = out.runtime() {
            properties.insert("runtime".into(), json!(rt.as_str()));
        }
        Ok(Some(Observed {
            outputs: arn_output(out.function_arn().unwrap_or_default()),
            properties,
        }))
    }

    fn environment(p: &Value) -> aws_sdk_lambda::types::Environment {
        let vars: HashMap<String, String> = p
            .get("environment")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        aws_sdk_lambda::types::Environment::builder()
            .set_variables(Some(vars))
            .build()
    }

    async fn create_function(&self, r: &Resource) -> Result<Value, ProviderError> {
        use aws_sdk_lambda::types::{Architecture, FunctionCode, LoggingConfig, Runtime};
        let p = &r.properties;
        let zip = self.code_zip(r)?;
        let out = retry_while(self.consistency_wait, role_not_ready, || async {
            self.clients
                .lambda
                .create_function()
                .function_name(&r.name)
                .runtime(Runtime::from(s(p, "runtime").as_str()))
                .role(s(p, "role_arn"))
                .handler(s(p, "handler"))
                .memory_size(int(p, "memory") as i32)
                .timeout(int(p, "timeout") as i32)
                .set_architectures(Some(
                    strings(p.get("architectures"))
                        .iter()
                        .map(|a| Architecture::from(a.as_str()))
                        .collect(),
                ))
                .environment(Self::environment(p))
                .logging_config(
                    LoggingConfig::builder()
                        .log_group(s(&p["logging"], "log_group"))
                        .build(),
                )
                .code(
                    FunctionCode::builder()
                        .zip_file(Blob::new(zip.clone()))
                        .build(),
                )
                .set_tags(Some(tag_map(p)))
                .send()
                .await
                .map_err(|e| translate("lambda:CreateFunction", e))
        })
        .await
        .map_err(|e| match e.code.as_deref() {
            Some("ResourceConflictException") => ProviderError {
                kind: ErrorKind::AlreadyExists,
                ..e
            },
            _ => e,
        })?;
        Ok(arn_output(out.function_arn().unwrap_or_default()))
    }

    async fn update_function(
        &self,
        r: &Resource,
        old: Option<&Resource>,
    ) -> Result<Value, ProviderError> {
        use aws_sdk_lambda::types::{Architecture, LoggingConfig, Runtime};
        let p = &r.properties;
        let lambda = &self.clients.lambda;
        let code_changed = old.is_none_or(|o| {
            o.properties.get("code") != p.get("code")
                || o.properties.get("architectures") != p.get("architectures")
        });
        if code_changed {
            let zip = self.code_zip(r)?;
            retry_while(self.consistency_wait, update_in_progress, || async {
                lambda
                    .update_function_code()
                    .function_name(&r.name)
                    .zip_file(Blob::new(zip.clone()))
                    .set_architectures(Some(
                        strings(p.get("architectures"))
                            .iter()
                            .map(|a| Architecture::from(a.as_str()))
                            .collect(),
                    ))
                    .send()
                    .await
                    .map_err(|e| translate("lambda:UpdateFunctionCode", e))
            })
            .await?;
        }
        let out = retry_while(
            self.consistency_wait,
            |e| update_in_progress(e) || role_not_ready(e),
            || async {
                lambda
                    .update_function_configuration()
                    .function_name(&r.name)
                    .runtime(Runtime::from(s(p, "runtime").as_str()))
                    .role(s(p, "role_arn"))
                    .handler(s(p, "handler"))
                    .memory_size(int(p, "memory") as i32)
                    .timeout(int(p, "timeout") as i32)
                    .environment(Self::environment(p))
                    .logging_config(
                        LoggingConfig::builder()
                            .log_group(s(&p["logging"], "log_group"))
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| translate("lambda:UpdateFunctionConfiguration", e))
            },
        )
        .await?;
        let arn = out.function_arn().unwrap_or_default().to_string();
        let current = lambda
            .list_tags()
            .resource(&arn)
            .send()
            .await
            .map_err(|e| translate("lambda:ListTags", e))?;
        let desired = tag_map(p);
        let have = current.tags().cloned().unwrap_or_default();
        let stale: Vec<String> = have
            .keys()
            .filter(|k| !desired.contains_key(*k))
            .cloned()
            .collect();
        if !stale.is_empty() {
            lambda
                .untag_resource()
                .resource(&arn)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(|e| translate("lambda:UntagResource", e))?;
        }
        if desired.iter().any(|(k, v)| have.get(k) != Some(v)) {
            lambda
                .tag_resource()
                .resource(&arn)
                .set_tags(Some(desired))
                .send()
                .await
                .map_err(|e| translate("lambda:TagResource", e))?;
        }
        Ok(arn_output(arn))
    }

    async fn delete_function(&self, r: &Resource) -> Result<(), ProviderError> {
        self.clients
            .lambda
            .delete_function()
            .function_name(&r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("lambda:DeleteFunction", e))
    }

    async fn read_permission(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        let function = s(&r.properties, "function_name");
        let policy = match self
            .clients
            .lambda
            .get_policy()
            .function_name(&function)
            .send()
            .await
        {
            Ok(out) => out.policy().map(str::to_string).unwrap_or_default(),
            Err(e) => {
                let err = translate("lambda:GetPolicy", e);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        };
        let doc: Value = serde_json::from_str(&policy).unwrap_or(Value::Null);
        let found = doc
            .get("Statement")
            .and_then(Value::as_array)
            .is_some_and(|st| {
                st.iter()
                    .any(|x| x.get("Sid").and_then(Value::as_str) == Some(r.name.as_str()))
            });
        Ok(found.then(|| Observed {
            outputs: json!({}),
            properties: Map::new(),
        }))
    }

    async fn add_permission(&self, r: &Resource) -> Result<Value, ProviderError> {
        let p = &r.properties;
        let mut req = self
            .clients
            .lambda
            .add_permission()
            .function_name(s(p, "function_name"))
            .statement_id(s(p, "statement_id"))
            .action(s(p, "action"))
            .principal(s(p, "principal"))
            .source_arn(s(p, "source_arn"));
        if let Some(account) = p.get("source_account").and_then(Value::as_str) {
            req = req.source_account(account);
        }
        req.send().await.map_err(|e| {
            let err = translate("lambda:AddPermission", e);
            if err.code.as_deref() == Some("ResourceConflictException") {
                ProviderError {
                    kind: ErrorKind::AlreadyExists,
                    ..err
                }
            } else {
                err
            }
        })?;
        Ok(json!({}))
    }

    async fn remove_permission(&self, r: &Resource) -> Result<(), ProviderError> {
        let p = &r.properties;
        self.clients
            .lambda
            .remove_permission()
            .function_name(s(p, "function_name"))
            .statement_id(s(p, "statement_id"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("lambda:RemovePermission", e))
    }
}

// ---- ECS -----------------------------------------------------------------------------------

impl AwsProvider {
    async fn read_cluster(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        let out = self
            .clients
            .ecs
            .describe_clusters()
            .clusters(&r.name)
            .send()
            .await
            .map_err(|e| translate("ecs:DescribeClusters", e))?;
        Ok(out
            .clusters()
            .iter()
            .find(|c| c.status() == Some("ACTIVE"))
            .map(|c| Observed {
                outputs: arn_output(c.cluster_arn().unwrap_or_default()),
                properties: Map::new(),
            }))
    }

    fn ecs_tags(p: &Value) -> Vec<aws_sdk_ecs::types::Tag> {
        tags(p)
            .into_iter()
            .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build())
            .collect()
    }

    async fn create_cluster(&self, r: &Resource) -> Result<Value, ProviderError> {
        if self.read_cluster(r).await?.is_some() {
            return Err(ProviderError::new(ErrorKind::AlreadyExists, "ecs:CreateCluster", format!("cluster {} exists", r.name))
                .with_hint("a resource of this name exists but is not in this stack's state: delete it, or deploy under another project name or stack"));
        }
        let out = self
            .clients
            .ecs
            .create_cluster()
            .cluster_name(&r.name)
            .set_tags(Some(Self::ecs_tags(&r.properties)))
            .send()
            .await
            .map_err(|e| translate("ecs:CreateCluster", e))?;
        Ok(arn_output(
            out.cluster()
                .and_then(|c| c.cluster_arn())
                .unwrap_or_default(),
        ))
    }

    async fn update_cluster(&self, r: &Resource) -> Result<Value, ProviderError> {
        let Some(found) = self.read_cluster(r).await? else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "ecs:DescribeClusters",
                format!("cluster {} does not exist", r.name),
            ));
        };
        let arn = found.outputs["arn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.clients
            .ecs
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(Self::ecs_tags(&r.properties)))
            .send()
            .await
            .map_err(|e| translate("ecs:TagResource", e))?;
        Ok(arn_output(arn))
    }

    async fn delete_cluster(&self, r: &Resource) -> Result<(), ProviderError> {
        self.clients
            .ecs
            .delete_cluster()
            .cluster(&r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                let err = translate("ecs:DeleteCluster", e);
                if err.code.as_deref() == Some("ClusterNotFoundException") {
                    ProviderError {
                        kind: ErrorKind::NotFound,
                        ..err
                    }
                } else {
                    err
                }
            })
    }

    async fn read_task_definition(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        let key = r.arn.clone().unwrap_or_else(|| r.name.clone());
        match self
            .clients
            .ecs
            .describe_task_definition()
            .task_definition(&key)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .task_definition()
                .filter(|t| t.status().map(|s| s.as_str()) == Some("ACTIVE"))
                .map(|t| Observed {
                    outputs: arn_output(t.task_definition_arn().unwrap_or_default()),
                    properties: Map::new(),
                })),
            Err(e) => {
                let err = translate("ecs:DescribeTaskDefinition", e);
                if err.is_not_found() || err.code.as_deref() == Some("ClientException") {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// The ACTIVE revisions of exactly this family.
    async fn active_revisions(&self, family: &str) -> Result<Vec<String>, ProviderError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .clients
                .ecs
                .list_task_definitions()
                .family_prefix(family)
                .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| translate("ecs:ListTaskDefinitions", e))?;
            for arn in page.task_definition_arns() {
                let tail = arn.rsplit('/').next().unwrap_or_default();
                if tail.rsplit_once(':').map(|(f, _)| f) == Some(family) {
                    out.push(arn.clone());
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// Registers a new revision and retires every other ACTIVE revision of the family (the
    /// family is this stack's: a revision left by a crashed run is retired too).
    async fn register_task_definition(&self, r: &Resource) -> Result<Value, ProviderError> {
        use aws_sdk_ecs::types::*;
        let p = &r.properties;
        let mut containers = Vec::new();
        for c in p
            .get("container_definitions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let env: Vec<KeyValuePair> = c
                .get("environment")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|e| {
                    KeyValuePair::builder()
                        .name(s(e, "name"))
                        .value(s(e, "value"))
                        .build()
                })
                .collect();
            let mut def = ContainerDefinition::builder()
                .name(s(c, "name"))
                .image(s(c, "image"))
                .essential(flag(c, "essential"))
                .set_environment(Some(env));
            if let Some(cmd) = c.get("command") {
                def = def.set_command(Some(strings(Some(cmd))));
            }
            if let Some(log) = c.get("log_configuration") {
                let options: HashMap<String, String> = log
                    .get("options")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                def = def.log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::from(s(log, "log_driver").as_str()))
                        .set_options(Some(options))
                        .build()
                        .map_err(|e| invalid("ecs:RegisterTaskDefinition", e.to_string()))?,
                );
            }
            containers.push(def.build());
        }
        let rp = &p["runtime_platform"];
        let mut req = self
            .clients
            .ecs
            .register_task_definition()
            .family(s(p, "family"))
            .cpu(int(p, "cpu").to_string())
            .memory(int(p, "memory").to_string())
            .network_mode(NetworkMode::from(s(p, "network_mode").as_str()))
            .set_requires_compatibilities(Some(
                strings(p.get("requires_compatibilities"))
                    .iter()
                    .map(|c| Compatibility::from(c.as_str()))
                    .collect(),
            ))
            .runtime_platform(
                RuntimePlatform::builder()
                    .cpu_architecture(CpuArchitecture::from(s(rp, "cpu_architecture").as_str()))
                    .operating_system_family(OsFamily::from(
                        s(rp, "operating_system_family").as_str(),
                    ))
                    .build(),
            )
            .execution_role_arn(s(p, "execution_role_arn"))
            .task_role_arn(s(p, "task_role_arn"))
            .set_container_definitions(Some(containers))
            .set_tags(Some(Self::ecs_tags(p)));
        if let Some(gib) = p
            .get("ephemeral_storage")
            .and_then(|e| e.get("size_in_gib"))
            .and_then(Value::as_i64)
        {
            req =
                req.ephemeral_storage(EphemeralStorage::builder().size_in_gib(gib as i32).build());
        }
        let out = req
            .send()
            .await
            .map_err(|e| translate("ecs:RegisterTaskDefinition", e))?;
        let arn = out
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap_or_default()
            .to_string();
        for other in self.active_revisions(&s(p, "family")).await? {
            if other != arn {
                self.deregister(&other).await.or_else(ignore_not_found)?;
            }
        }
        Ok(arn_output(arn))
    }

    async fn deregister(&self, arn: &str) -> Result<(), ProviderError> {
        self.clients
            .ecs
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                let err = translate("ecs:DeregisterTaskDefinition", e);
                if err.code.as_deref() == Some("ClientException") {
                    ProviderError {
                        kind: ErrorKind::NotFound,
                        ..err
                    }
                } else {
                    err
                }
            })
    }

    /// Deregisters the revision in state, or (when a crash left none recorded) every ACTIVE
    /// revision of the family.
    async fn deregister_task_definitions(&self, r: &Resource) -> Result<(), ProviderError> {
        match &r.arn {
            Some(arn) => self.deregister(arn).await,
            None => {
                let family = s(&r.properties, "family");
                let family = if family.is_empty() {
                    r.name.clone()
                } else {
                    family
                };
                for arn in self.active_revisions(&family).await? {
                    self.deregister(&arn).await.or_else(ignore_not_found)?;
                }
                Ok(())
            }
        }
    }
}

// ---- ECR -----------------------------------------------------------------------------------

impl AwsProvider {
    async fn read_repository(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        match self.clients.ecr.describe_repositories().repository_names(&r.name).send().await {
            Ok(out) => Ok(out.repositories().first().map(|repo| Observed {
                outputs: json!({"arn": repo.repository_arn().unwrap_or_default(), "url": repo.repository_uri().unwrap_or_default()}),
                properties: Map::new(),
            })),
            Err(e) => {
                let err = translate("ecr:DescribeRepositories", e);
                if err.is_not_found() { Ok(None) } else { Err(err) }
            }
        }
    }

    fn ecr_tags(p: &Value) -> Result<Vec<aws_sdk_ecr::types::Tag>, ProviderError> {
        tags(p)
            .into_iter()
            .map(|(k, v)| {
                aws_sdk_ecr::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| invalid("ecr:TagResource", e.to_string()))
            })
            .collect()
    }

    async fn create_repository(&self, r: &Resource) -> Result<Value, ProviderError> {
        use aws_sdk_ecr::types::{ImageScanningConfiguration, ImageTagMutability};
        let p = &r.properties;
        let out = self
            .clients
            .ecr
            .create_repository()
            .repository_name(&r.name)
            .image_tag_mutability(ImageTagMutability::from(
                s(p, "image_tag_mutability").as_str(),
            ))
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(flag(p, "scan_on_push"))
                    .build(),
            )
            .set_tags(Some(Self::ecr_tags(p)?))
            .send()
            .await
            .map_err(|e| translate("ecr:CreateRepository", e))?;
        let repo = out.repository();
        Ok(
            json!({"arn": repo.and_then(|r| r.repository_arn()).unwrap_or_default(), "url": repo.and_then(|r| r.repository_uri()).unwrap_or_default()}),
        )
    }

    async fn update_repository(&self, r: &Resource) -> Result<Value, ProviderError> {
        use aws_sdk_ecr::types::{ImageScanningConfiguration, ImageTagMutability};
        let p = &r.properties;
        let ecr = &self.clients.ecr;
        let Some(found) = self.read_repository(r).await? else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "ecr:DescribeRepositories",
                format!("repository {} does not exist", r.name),
            ));
        };
        ecr.put_image_tag_mutability()
            .repository_name(&r.name)
            .image_tag_mutability(ImageTagMutability::from(
                s(p, "image_tag_mutability").as_str(),
            ))
            .send()
            .await
            .map_err(|e| translate("ecr:PutImageTagMutability", e))?;
        ecr.put_image_scanning_configuration()
            .repository_name(&r.name)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(flag(p, "scan_on_push"))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| translate("ecr:PutImageScanningConfiguration", e))?;
        let arn = found.outputs["arn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        ecr.tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(Self::ecr_tags(p)?))
            .send()
            .await
            .map_err(|e| translate("ecr:TagResource", e))?;
        Ok(found.outputs)
    }

    async fn delete_repository(&self, r: &Resource) -> Result<(), ProviderError> {
        self.clients
            .ecr
            .delete_repository()
            .repository_name(&r.name)
            .force(flag(&r.properties, "force_delete"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("ecr:DeleteRepository", e))
    }

    async fn read_image(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        let p = &r.properties;
        let id = aws_sdk_ecr::types::ImageIdentifier::builder()
            .image_tag(s(p, "tag"))
            .build();
        match self
            .clients
            .ecr
            .describe_images()
            .repository_name(s(p, "repository"))
            .image_ids(id)
            .send()
            .await
        {
            Ok(out) if !out.image_details().is_empty() => Ok(Some(Observed {
                outputs: json!({}),
                properties: Map::new(),
            })),
            Ok(_) => Ok(None),
            Err(e) => {
                let err = translate("ecr:DescribeImages", e);
                if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    async fn push_image(&self, r: &Resource) -> Result<Value, ProviderError> {
        let p = &r.properties;
        let token = self
            .clients
            .ecr
            .get_authorization_token()
            .send()
            .await
            .map_err(|e| translate("ecr:GetAuthorizationToken", e))?;
        let auth = token
            .authorization_data()
            .first()
            .and_then(|a| a.authorization_token())
            .ok_or_else(|| invalid("ecr:GetAuthorizationToken", "no token in the answer"))?
            .to_string();
        let build = docker::ImageBuild {
            context: self.project_root.join(s(&p["context"], "path")),
            dockerfile: s(p, "dockerfile"),
            platform: s(p, "platform"),
            image: format!("{}:{}", s(p, "repository_url"), s(p, "tag")),
        };
        docker::build_and_push(&build, &auth).await?;
        Ok(json!({"uri": build.image}))
    }

    async fn delete_image(&self, r: &Resource) -> Result<(), ProviderError> {
        let p = &r.properties;
        let id = aws_sdk_ecr::types::ImageIdentifier::builder()
            .image_tag(s(p, "tag"))
            .build();
        self.clients
            .ecr
            .batch_delete_image()
            .repository_name(s(p, "repository"))
            .image_ids(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("ecr:BatchDeleteImage", e))
    }
}

// ---- EventBridge ---------------------------------------------------------------------------

impl AwsProvider {
    async fn read_rule(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        let out = match self
            .clients
            .events
            .describe_rule()
            .name(&r.name)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let err = translate("events:DescribeRule", e);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        };
        let mut properties = Map::new();
        if let Some(expr) = out.schedule_expression() {
            properties.insert("schedule_expression".into(), json!(expr));
        }
        if let Some(pattern) = out
            .event_pattern()
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
        {
            properties.insert("event_pattern".into(), pattern);
        }
        if let Some(state) = out.state() {
            properties.insert("state".into(), json!(state.as_str()));
        }
        Ok(Some(Observed {
            outputs: arn_output(out.arn().unwrap_or_default()),
            properties,
        }))
    }

    fn target(t: &Value) -> Result<aws_sdk_eventbridge::types::Target, ProviderError> {
        use aws_sdk_eventbridge::types::*;
        let bad =
            |e: aws_sdk_eventbridge::error::BuildError| invalid("events:PutTargets", e.to_string());
        let mut target = Target::builder().id(s(t, "id")).arn(s(t, "arn"));
        if let Some(role) = t.get("role_arn").and_then(Value::as_str) {
            target = target.role_arn(role);
        }
        if let Some(ecs) = t.get("ecs_parameters") {
            let vpc = &ecs["network_configuration"]["awsvpc_configuration"];
            let mut awsvpc = AwsVpcConfiguration::builder()
                .set_subnets(Some(strings(vpc.get("subnets"))))
                .assign_public_ip(AssignPublicIp::from(s(vpc, "assign_public_ip").as_str()));
            if vpc.get("security_groups").is_some() {
                awsvpc = awsvpc.set_security_groups(Some(strings(vpc.get("security_groups"))));
            }
            target = target.ecs_parameters(
                EcsParameters::builder()
                    .task_definition_arn(s(ecs, "task_definition_arn"))
                    .launch_type(LaunchType::from(s(ecs, "launch_type").as_str()))
                    .task_count(ecs.get("task_count").and_then(Value::as_i64).unwrap_or(1) as i32)
                    .network_configuration(
                        NetworkConfiguration::builder()
                            .awsvpc_configuration(awsvpc.build().map_err(bad)?)
                            .build(),
                    )
                    .build()
                    .map_err(bad)?,
            );
        }
        if let Some(it) = t.get("input_transformer") {
            let paths: HashMap<String, String> = it
                .get("input_paths_map")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            target = target.input_transformer(
                InputTransformer::builder()
                    .set_input_paths_map(Some(paths))
                    .input_template(s(it, "input_template"))
                    .build()
                    .map_err(bad)?,
            );
        }
        target.build().map_err(bad)
    }

    async fn put_rule(&self, r: &Resource, create: bool) -> Result<Value, ProviderError> {
        let events = &self.clients.events;
        let p = &r.properties;
        if create && self.read_rule(r).await?.is_some() {
            return Err(ProviderError::new(ErrorKind::AlreadyExists, "events:PutRule", format!("rule {} exists", r.name))
                .with_hint("a resource of this name exists but is not in this stack's state: delete it, or deploy under another project name or stack"));
        }
        let mut req =
            events
                .put_rule()
                .name(&r.name)
                .state(aws_sdk_eventbridge::types::RuleState::from(
                    s(p, "state").as_str(),
                ));
        if let Some(expr) = p.get("schedule_expression").and_then(Value::as_str) {
            req = req.schedule_expression(expr);
        }
        if let Some(pattern) = p.get("event_pattern") {
            req = req.event_pattern(pattern.to_string());
        }
        let ev_tags: Vec<aws_sdk_eventbridge::types::Tag> = tags(p)
            .into_iter()
            .map(|(k, v)| {
                aws_sdk_eventbridge::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect::<Result<_, _>>()
            .map_err(|e| invalid("events:PutRule", e.to_string()))?;
        if create {
            req = req.set_tags(Some(ev_tags.clone()));
        }
        let out = req
            .send()
            .await
            .map_err(|e| translate("events:PutRule", e))?;
        let arn = out.rule_arn().unwrap_or_default().to_string();
        if !create {
            events
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(ev_tags))
                .send()
                .await
                .map_err(|e| translate("events:TagResource", e))?;
        }
        let desired: Vec<&Value> = p
            .get("targets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let existing = events
            .list_targets_by_rule()
            .rule(&r.name)
            .send()
            .await
            .map_err(|e| translate("events:ListTargetsByRule", e))?;
        let stale: Vec<String> = existing
            .targets()
            .iter()
            .map(|t| t.id().to_string())
            .filter(|id| {
                !desired
                    .iter()
                    .any(|d| d.get("id").and_then(Value::as_str) == Some(id))
            })
            .collect();
        if !stale.is_empty() {
            events
                .remove_targets()
                .rule(&r.name)
                .set_ids(Some(stale))
                .send()
                .await
                .map_err(|e| translate("events:RemoveTargets", e))?;
        }
        if !desired.is_empty() {
            let targets = desired
                .iter()
                .map(|t| Self::target(t))
                .collect::<Result<Vec<_>, _>>()?;
            let out = events
                .put_targets()
                .rule(&r.name)
                .set_targets(Some(targets))
                .send()
                .await
                .map_err(|e| translate("events:PutTargets", e))?;
            if out.failed_entry_count() > 0 {
                let first = out.failed_entries().first();
                return Err(ProviderError::new(
                    ErrorKind::Other,
                    "events:PutTargets",
                    first
                        .and_then(|f| f.error_message())
                        .unwrap_or("a target was refused")
                        .to_string(),
                )
                .with_code(
                    first
                        .and_then(|f| f.error_code())
                        .unwrap_or("FailedEntry")
                        .to_string(),
                ));
            }
        }
        Ok(arn_output(arn))
    }

    async fn delete_rule(&self, r: &Resource) -> Result<(), ProviderError> {
        let events = &self.clients.events;
        let existing = match events.list_targets_by_rule().rule(&r.name).send().await {
            Ok(out) => out,
            Err(e) => return ignore_not_found(translate("events:ListTargetsByRule", e)),
        };
        let ids: Vec<String> = existing
            .targets()
            .iter()
            .map(|t| t.id().to_string())
            .collect();
        if !ids.is_empty() {
            events
                .remove_targets()
                .rule(&r.name)
                .set_ids(Some(ids))
                .send()
                .await
                .map_err(|e| translate("events:RemoveTargets", e))?;
        }
        events
            .delete_rule()
            .name(&r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("events:DeleteRule", e))
    }
}

/// An answer with a success status that the SDK could not read (it reports those as errors).
fn unparsed_success<E>(
    error: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> bool {
    use aws_sdk_s3::error::SdkError;
    match error {
        SdkError::ServiceError(e) => e.raw().status().is_success(),
        SdkError::ResponseError(e) => e.raw().status().is_success(),
        _ => false,
    }
}
