//! The AWS provider: the SDK clients, and the [`Provider`] the deploy engine drives. Each call
//! reads the resource's properties into its type's struct and hands it to that type's
//! [`AwsResource`] in its service's module (`s3`, `iam`, `logs`, `lambda`, `ecs`, `ecr`,
//! `events`, `ec2`, `elbv2`, `autoscaling`); the one list of which type goes where is
//! `with_api!`.

use crate::config::{custom_endpoint, CallHook, HookInterceptor};
use crate::docker;
use crate::error::{invalid, translate};
use crate::resource::{invalid_properties, AwsResource, Typed};
use crate::{autoscaling, ec2, ecr, ecs, elbv2, events, iam, lambda, logs, s3};
use aws_config::SdkConfig;
use infrac_deploy::{Observed, OwnerTags, Provider, ProviderError, Resource};
use infrac_plan::props::{BucketProps, Deferred, Input, LoadBalancerProps, ResourceProps};
use infrac_plan::{Action, PlanStep, ResourceType};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
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
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    pub sts: aws_sdk_sts::Client,
    pub ssm: aws_sdk_ssm::Client,
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
            elbv2: client!(aws_sdk_elasticloadbalancingv2, config, &hook),
            autoscaling: client!(aws_sdk_applicationautoscaling, config, &hook),
            sts: client!(aws_sdk_sts, config, &hook),
            ssm: client!(aws_sdk_ssm, config, &hook),
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
    pub(crate) project_root: PathBuf,
    account: OnceCell<String>,
    subnets: OnceCell<Value>,
    /// How long to keep retrying AWS's known eventual-consistency gaps (a new role that
    /// Lambda cannot assume yet).
    pub consistency_wait: Duration,
    /// How long a create or update of an ECS service waits for its deployment to be stable:
    /// `INFRAC_SERVICE_WAIT` seconds, 20 minutes unless set; zero does not wait.
    pub service_wait: Duration,
    /// Where notes on long waits go (the run's progress view), when a run set one.
    progress: Notes,
}

/// The progress sink notes go to (a closure, so `Debug` says only whether there is one).
#[derive(Default)]
struct Notes(std::sync::Mutex<Option<infrac_deploy::Progress>>);

impl std::fmt::Debug for Notes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = self.0.lock().map(|p| p.is_some()).unwrap_or(false);
        f.write_str(if set { "Notes(set)" } else { "Notes(none)" })
    }
}

impl AwsProvider {
    pub fn new(clients: Clients, project_root: PathBuf) -> AwsProvider {
        AwsProvider {
            clients,
            project_root,
            account: OnceCell::new(),
            subnets: OnceCell::new(),
            consistency_wait: Duration::from_secs(90),
            service_wait: crate::ecs::service_wait_from_env(),
            progress: Notes::default(),
        }
    }

    /// Sends notes on long waits (a service's rollout) to `progress` from now on.
    pub fn set_progress(&self, progress: infrac_deploy::Progress) {
        *self
            .progress
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(progress);
    }

    /// Tells the run's progress view what the call on `id` is waiting for.
    pub(crate) fn note(&self, id: &str, text: String) {
        let progress = self
            .progress
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(progress) = progress {
            progress(&infrac_deploy::Event::Note {
                id: id.to_string(),
                text,
            });
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

impl AwsProvider {
    /// The network checks of a load balancer about to be made (`elbv2::check_network`), with
    /// its subnets resolved as the engine will resolve them.
    async fn check_load_balancer_network(&self, step: &PlanStep) -> Result<(), ProviderError> {
        let props = LoadBalancerProps::from_json(&step.properties)
            .map_err(|e| invalid_properties(step.ty, &step.id, &e))?;
        let subnets: Vec<String> = match &props.subnets {
            Input::Known(ids) => ids.clone(),
            Input::Deferred(Deferred::Lookup(l)) => {
                serde_json::from_value(self.lookup(&l.name).await?).unwrap_or_default()
            }
            // Anything else is known only once other resources exist.
            Input::Deferred(_) => return Ok(()),
        };
        elbv2::check_network(self, &step.id, &subnets, props.scheme == "internet-facing").await
    }
}

/// Runs `$body` with `$api` standing for the [`AwsResource`] of resource type `$ty`: the one
/// place that says which module serves which type.
macro_rules! with_api {
    ($ty:expr, $api:ident => $body:expr) => {
        match $ty {
            ResourceType::S3Bucket => {
                type $api = s3::Bucket;
                $body
            }
            ResourceType::S3BucketNotification => {
                type $api = s3::BucketNotification;
                $body
            }
            ResourceType::IamRole => {
                type $api = iam::Role;
                $body
            }
            ResourceType::LambdaFunction => {
                type $api = lambda::Function;
                $body
            }
            ResourceType::LambdaPermission => {
                type $api = lambda::Permission;
                $body
            }
            ResourceType::LogGroup => {
                type $api = logs::LogGroup;
                $body
            }
            ResourceType::EcsCluster => {
                type $api = ecs::Cluster;
                $body
            }
            ResourceType::EcsTaskDefinition => {
                type $api = ecs::TaskDefinition;
                $body
            }
            ResourceType::EcrRepository => {
                type $api = ecr::Repository;
                $body
            }
            ResourceType::EcrImage => {
                type $api = ecr::Image;
                $body
            }
            ResourceType::EventsRule => {
                type $api = events::Rule;
                $body
            }
            ResourceType::Ec2SecurityGroup => {
                type $api = ec2::SecurityGroup;
                $body
            }
            ResourceType::Elbv2LoadBalancer => {
                type $api = elbv2::LoadBalancer;
                $body
            }
            ResourceType::Elbv2TargetGroup => {
                type $api = elbv2::TargetGroup;
                $body
            }
            ResourceType::Elbv2Listener => {
                type $api = elbv2::Listener;
                $body
            }
            ResourceType::EcsService => {
                type $api = ecs::Service;
                $body
            }
            ResourceType::ScalableTarget => {
                type $api = autoscaling::ScalableTarget;
                $body
            }
            ResourceType::ScalingPolicy => {
                type $api = autoscaling::ScalingPolicy;
                $body
            }
        }
    };
}

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
        let first_build = steps
            .iter()
            .find(|s| s.ty == ResourceType::EcrImage && s.action != Action::Delete);
        if let Some(first) = first_build {
            docker::check_engine(&first.id).await?;
        }
        for step in steps {
            if step.ty == ResourceType::Elbv2LoadBalancer
                && matches!(step.action, Action::Create | Action::Replace)
            {
                self.check_load_balancer_network(step).await?;
            }
            if step.ty == ResourceType::S3Bucket && step.action == Action::Delete {
                let props = BucketProps::from_json(&step.properties)
                    .map_err(|e| invalid_properties(step.ty, &step.id, &e))?;
                if !props.force_destroy {
                    s3::check_bucket_empty(self, &step.name, &step.id).await?;
                }
            }
        }
        Ok(())
    }

    async fn owner_tags(&self, r: &Resource) -> Result<Option<OwnerTags>, ProviderError> {
        crate::owner::owner_tags(self, r).await
    }

    async fn add_tags(
        &self,
        r: &Resource,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        crate::tagging::add_tags(self, r, tags).await
    }

    /// Only the properties the type's descriptor names as drift keys are passed on: a key a
    /// read happens to return but no one declared cannot plan an update.
    async fn read(&self, r: &Resource) -> Result<Option<Observed>, ProviderError> {
        with_api!(r.ty, Api => {
            let observed = Api::read(self, &Typed::parse(r)?).await?;
            Ok(observed.map(|mut o| {
                o.properties.retain(|k, _| Api::drift_keys().contains(&k.as_str()));
                o
            }))
        })
    }

    async fn create(&self, r: &Resource) -> Result<Value, ProviderError> {
        with_api!(r.ty, Api => Api::create(self, &Typed::parse(r)?).await)
    }

    /// Old properties that no longer read as the type's (written by another version) count
    /// as unknown, as when adopting: every input is applied.
    async fn update(&self, r: &Resource, old: Option<&Resource>) -> Result<Value, ProviderError> {
        with_api!(r.ty, Api => {
            let old = old.and_then(|o| Typed::parse(o).ok());
            Api::update(self, &Typed::parse(r)?, old.as_ref()).await
        })
    }

    async fn delete(&self, r: &Resource) -> Result<(), ProviderError> {
        with_api!(r.ty, Api => Api::delete(self, &Typed::parse(r)?).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_is_served_by_the_api_of_its_properties() {
        for ty in ResourceType::ALL {
            let served = with_api!(ty, Api => <<Api as AwsResource>::Props as ResourceProps>::TYPE);
            assert_eq!(served, ty);
            let keys = with_api!(ty, Api => Api::drift_keys());
            assert_eq!(keys, ty.descriptor().drift_keys, "{ty}");
        }
    }
}
