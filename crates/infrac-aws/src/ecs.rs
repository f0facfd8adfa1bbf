//! ECS: the stack's cluster (`aws:ecs:Cluster`), Fargate task definitions
//! (`aws:ecs:TaskDefinition`) and services (`aws:ecs:Service`, see `Service`).

use crate::error::{invalid, translate};
use crate::provider::AwsProvider;
use crate::resource::{
    already_exists, arn_output, ignore_not_found, known, observed, read_or_none, reclassify,
    AwsResource, Typed,
};
use aws_sdk_ecs::types::*;
use infrac_deploy::{ErrorKind, Observed, ProviderError};
use infrac_plan::props::{self, ClusterProps, ServiceProps, Tags, TaskDefinitionProps};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::Duration;

/// `aws:ecs:Cluster`.
pub struct Cluster;

/// `aws:ecs:TaskDefinition`.
pub struct TaskDefinition;

fn ecs_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The ARN of the ACTIVE cluster of this name (ECS keeps deleted ones as INACTIVE for a while).
pub(crate) async fn active_cluster(
    aws: &AwsProvider,
    name: &str,
) -> Result<Option<String>, ProviderError> {
    let out = aws
        .clients
        .ecs
        .describe_clusters()
        .clusters(name)
        .send()
        .await
        .map_err(|e| translate("ecs:DescribeClusters", e))?;
    Ok(out
        .clusters()
        .iter()
        .find(|c| c.status() == Some("ACTIVE"))
        .map(|c| c.cluster_arn().unwrap_or_default().to_string()))
}

impl AwsResource for Cluster {
    type Props = ClusterProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, ClusterProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        Ok(active_cluster(aws, r.name)
            .await?
            .map(|arn| observed(arn_output(arn), Map::new())))
    }

    /// ECS answers a create of an existing cluster with that cluster: looked up first, so a
    /// cluster not in state is not silently taken over.
    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, ClusterProps>,
    ) -> Result<Value, ProviderError> {
        if active_cluster(aws, r.name).await?.is_some() {
            return Err(already_exists("ecs:CreateCluster", "cluster", r.name));
        }
        let out = aws
            .clients
            .ecs
            .create_cluster()
            .cluster_name(r.name)
            .set_tags(Some(ecs_tags(&r.props.tags)))
            .send()
            .await
            .map_err(|e| translate("ecs:CreateCluster", e))?;
        Ok(arn_output(
            out.cluster()
                .and_then(|c| c.cluster_arn())
                .unwrap_or_default(),
        ))
    }

    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, ClusterProps>,
        _old: Option<&Typed<'_, ClusterProps>>,
    ) -> Result<Value, ProviderError> {
        let Some(arn) = active_cluster(aws, r.name).await? else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "ecs:DescribeClusters",
                format!("cluster {} does not exist", r.name),
            ));
        };
        aws.clients
            .ecs
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(ecs_tags(&r.props.tags)))
            .send()
            .await
            .map_err(|e| translate("ecs:TagResource", e))?;
        Ok(arn_output(arn))
    }

    async fn delete(aws: &AwsProvider, r: &Typed<'_, ClusterProps>) -> Result<(), ProviderError> {
        aws.clients
            .ecs
            .delete_cluster()
            .cluster(r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                reclassify(
                    translate("ecs:DeleteCluster", e),
                    "ClusterNotFoundException",
                    ErrorKind::NotFound,
                )
            })
    }
}

/// The ACTIVE revisions of exactly this family that this stack instance registered: those
/// whose `infrac:*` tags are all `tags`' (a revision someone else registered in the family is
/// never ours to retire).
async fn our_revisions(
    aws: &AwsProvider,
    family: &str,
    tags: &Tags,
) -> Result<Vec<String>, ProviderError> {
    let mut ours = Vec::new();
    for arn in active_revisions(aws, family).await? {
        let got = aws
            .clients
            .ecs
            .describe_task_definition()
            .task_definition(&arn)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(|e| translate("ecs:DescribeTaskDefinition", e))?;
        let theirs: HashMap<&str, &str> = got
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?, t.value()?)))
            .collect();
        let same = tags
            .iter()
            .filter(|(k, _)| k.starts_with("infrac:"))
            .all(|(k, v)| theirs.get(k.as_str()) == Some(&v.as_str()));
        if same {
            ours.push(arn);
        }
    }
    Ok(ours)
}

/// The ACTIVE revisions of exactly this family.
async fn active_revisions(aws: &AwsProvider, family: &str) -> Result<Vec<String>, ProviderError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .clients
            .ecs
            .list_task_definitions()
            .family_prefix(family)
            .status(TaskDefinitionStatus::Active)
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

async fn deregister(aws: &AwsProvider, arn: &str) -> Result<(), ProviderError> {
    aws.clients
        .ecs
        .deregister_task_definition()
        .task_definition(arn)
        .send()
        .await
        .map(|_| ())
        // ECS says `ClientException` of a revision it does not know.
        .map_err(|e| {
            reclassify(
                translate("ecs:DeregisterTaskDefinition", e),
                "ClientException",
                ErrorKind::NotFound,
            )
        })
}

fn container(
    c: &props::ContainerDefinition,
    operation: &str,
) -> Result<ContainerDefinition, ProviderError> {
    let env = c
        .environment
        .iter()
        .map(|e| {
            Ok(KeyValuePair::builder()
                .name(&e.name)
                .value(known(&e.value, operation, &e.name)?)
                .build())
        })
        .collect::<Result<Vec<_>, ProviderError>>()?;
    // Only the parameter's ARN: ECS reads the value when the container starts.
    let secrets = c
        .secrets
        .iter()
        .map(|e| {
            Secret::builder()
                .name(&e.name)
                .value_from(known(&e.value_from, operation, &e.name)?)
                .build()
                .map_err(|err| invalid(operation, err.to_string()))
        })
        .collect::<Result<Vec<_>, ProviderError>>()?;
    let command = match &c.command {
        Some(items) => Some(
            items
                .iter()
                .map(|t| known(t, operation, "command").map(str::to_string))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let options = c
        .log_configuration
        .options
        .iter()
        .map(|(k, v)| Ok((k.clone(), known(v, operation, k)?.to_string())))
        .collect::<Result<HashMap<_, _>, ProviderError>>()?;
    Ok(ContainerDefinition::builder()
        .name(&c.name)
        .image(known(&c.image, operation, "image")?)
        .essential(c.essential)
        .set_environment(Some(env))
        .set_secrets((!secrets.is_empty()).then_some(secrets))
        .set_command(command)
        .set_port_mappings(c.port_mappings.as_ref().map(|mappings| {
            mappings
                .iter()
                .map(|m| {
                    PortMapping::builder()
                        .container_port(i32::from(m.container_port))
                        .protocol(TransportProtocol::from(m.protocol.as_str()))
                        .build()
                })
                .collect()
        }))
        .log_configuration(
            LogConfiguration::builder()
                .log_driver(LogDriver::from(c.log_configuration.log_driver.as_str()))
                .set_options(Some(options))
                .build()
                .map_err(|e| invalid(operation, e.to_string()))?,
        )
        .build())
}

/// Registers a new revision and retires every other ACTIVE revision of the family (the
/// family is this stack's: a revision left by a crashed run is retired too).
async fn register(
    aws: &AwsProvider,
    r: &Typed<'_, TaskDefinitionProps>,
) -> Result<Value, ProviderError> {
    const OP: &str = "ecs:RegisterTaskDefinition";
    let p = &r.props;
    let containers = p
        .container_definitions
        .iter()
        .map(|c| container(c, OP))
        .collect::<Result<Vec<_>, _>>()?;
    let out = aws
        .clients
        .ecs
        .register_task_definition()
        .family(&p.family)
        .cpu(p.cpu.to_string())
        .memory(p.memory.to_string())
        .network_mode(NetworkMode::from(p.network_mode.as_str()))
        .set_requires_compatibilities(Some(
            p.requires_compatibilities
                .iter()
                .map(|c| Compatibility::from(c.as_str()))
                .collect(),
        ))
        .runtime_platform(
            RuntimePlatform::builder()
                .cpu_architecture(CpuArchitecture::from(
                    p.runtime_platform.cpu_architecture.as_str(),
                ))
                .operating_system_family(OsFamily::from(
                    p.runtime_platform.operating_system_family.as_str(),
                ))
                .build(),
        )
        .execution_role_arn(known(&p.execution_role_arn, OP, "execution_role_arn")?)
        .task_role_arn(known(&p.task_role_arn, OP, "task_role_arn")?)
        .set_container_definitions(Some(containers))
        .set_tags(Some(ecs_tags(&p.tags)))
        .set_ephemeral_storage(p.ephemeral_storage.as_ref().map(|e| {
            EphemeralStorage::builder()
                .size_in_gib(i32::try_from(e.size_in_gib).unwrap_or(i32::MAX))
                .build()
        }))
        .send()
        .await
        .map_err(|e| translate(OP, e))?;
    let arn = out
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_string();
    for other in our_revisions(aws, &p.family, &p.tags).await? {
        if other != arn {
            deregister(aws, &other).await.or_else(ignore_not_found)?;
        }
    }
    Ok(arn_output(arn))
}

impl AwsResource for TaskDefinition {
    type Props = TaskDefinitionProps;

    /// The revision in state (by ARN), or the family's latest.
    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, TaskDefinitionProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let key = r.arn.unwrap_or(r.name);
        let got = aws
            .clients
            .ecs
            .describe_task_definition()
            .task_definition(key)
            .send()
            .await
            .map_err(|e| {
                reclassify(
                    translate("ecs:DescribeTaskDefinition", e),
                    "ClientException",
                    ErrorKind::NotFound,
                )
            });
        let Some(out) = read_or_none(got)? else {
            return Ok(None);
        };
        Ok(out
            .task_definition()
            .filter(|t| t.status().map(|s| s.as_str()) == Some("ACTIVE"))
            .map(|t| {
                observed(
                    arn_output(t.task_definition_arn().unwrap_or_default()),
                    Map::new(),
                )
            }))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, TaskDefinitionProps>,
    ) -> Result<Value, ProviderError> {
        register(aws, r).await
    }

    /// A task definition cannot change: every update is a new revision.
    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, TaskDefinitionProps>,
        _old: Option<&Typed<'_, TaskDefinitionProps>>,
    ) -> Result<Value, ProviderError> {
        register(aws, r).await
    }

    /// Deregisters the revision in state, or (when a crash left none recorded) every ACTIVE
    /// revision of the family that this stack instance registered.
    async fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, TaskDefinitionProps>,
    ) -> Result<(), ProviderError> {
        match r.arn {
            Some(arn) => deregister(aws, arn).await,
            None => {
                for arn in our_revisions(aws, &r.props.family, &r.props.tags).await? {
                    deregister(aws, &arn).await.or_else(ignore_not_found)?;
                }
                Ok(())
            }
        }
    }
}

// ---- services --------------------------------------------------------------------------------

/// `aws:ecs:Service`: created and updated with a wait until ECS says the deployment is stable
/// (or its circuit breaker rolled it back, which is this step's failure); deleted by scaling
/// to 0, deleting, and waiting until ECS has drained it.
pub struct Service;

/// How long a deploy waits for a service to become stable: `INFRAC_SERVICE_WAIT` seconds
/// (default 20 minutes). `0` does not wait: for emulators that never start a task (moto), and
/// for whoever wants to check later.
pub fn service_wait_from_env() -> Duration {
    let seconds = std::env::var("INFRAC_SERVICE_WAIT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1200);
    Duration::from_secs(seconds)
}

async fn describe_service(
    aws: &AwsProvider,
    cluster: &str,
    name: &str,
) -> Result<Option<aws_sdk_ecs::types::Service>, ProviderError> {
    let out = aws
        .clients
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .include(ServiceField::Tags)
        .send()
        .await
        .map_err(|e| {
            reclassify(
                translate("ecs:DescribeServices", e),
                "ClusterNotFoundException",
                ErrorKind::NotFound,
            )
        });
    Ok(read_or_none(out)?.and_then(|o| o.services().first().cloned()))
}

/// The service when it is ACTIVE (ECS keeps deleted ones as DRAINING, then INACTIVE).
async fn active_service(
    aws: &AwsProvider,
    cluster: &str,
    name: &str,
) -> Result<Option<aws_sdk_ecs::types::Service>, ProviderError> {
    Ok(describe_service(aws, cluster, name)
        .await?
        .filter(|s| s.status() == Some("ACTIVE")))
}

/// The ARN and tags of the ACTIVE service of this name in this cluster (for ownership).
pub async fn service_tags(
    aws: &AwsProvider,
    cluster: &str,
    name: &str,
) -> Result<Option<Tags>, ProviderError> {
    Ok(active_service(aws, cluster, name).await?.map(|s| {
        s.tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }))
}

/// Where a service is in its rollout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rollout {
    Stable,
    InProgress {
        running: i32,
        desired: i32,
    },
    /// The circuit breaker stopped the deployment (and rolled it back).
    Failed(String),
}

/// Reads a service's rollout from its deployments: the PRIMARY one's `rolloutState` when ECS
/// gives it, else "one deployment, as many running as desired".
pub fn rollout(service: &aws_sdk_ecs::types::Service) -> Rollout {
    let deployments = service.deployments();
    let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"));
    let running = service.running_count();
    let desired = service.desired_count();
    match primary.and_then(|d| d.rollout_state()) {
        Some(DeploymentRolloutState::Completed) => Rollout::Stable,
        Some(DeploymentRolloutState::Failed) => Rollout::Failed(
            primary
                .and_then(|d| d.rollout_state_reason())
                .unwrap_or("the deployment failed")
                .to_string(),
        ),
        Some(_) => Rollout::InProgress { running, desired },
        None if deployments.len() <= 1 && running == desired => Rollout::Stable,
        None => Rollout::InProgress { running, desired },
    }
}

/// Waits until the service's deployment is stable; a rollback by the circuit breaker, or no
/// stability within the wait, is an error.
///
/// The run's progress line says what it waits for, each time that changes.
async fn wait_stable(
    aws: &AwsProvider,
    id: &str,
    cluster: &str,
    name: &str,
) -> Result<(), ProviderError> {
    const OP: &str = "ecs:DescribeServices";
    let max = aws.service_wait;
    if max.is_zero() {
        return Ok(());
    }
    let start = std::time::Instant::now();
    let mut last = Rollout::InProgress {
        running: 0,
        desired: 0,
    };
    while start.elapsed() < max {
        let Some(service) = describe_service(aws, cluster, name).await? else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                OP,
                format!("service {name} disappeared while it was being deployed"),
            ));
        };
        let now = rollout(&service);
        if now != last {
            if let Rollout::InProgress { running, desired } = now {
                aws.note(
                    id,
                    format!(
                        "waiting for a stable deployment: {running} of {desired} tasks running"
                    ),
                );
            }
        }
        last = now;
        match &last {
            Rollout::Stable => return Ok(()),
            Rollout::Failed(reason) => {
                return Err(invalid(
                    OP,
                    format!("the deployment of service {name} failed and ECS rolled it back: {reason}"),
                )
                .with_code("ServiceRolledBack")
                .with_hint("the tasks did not become healthy: read their logs (`/ecs/...` log group) and the service's events in the ECS console; check `port` and `health`"));
            }
            Rollout::InProgress { .. } => tokio::time::sleep(Duration::from_secs(6)).await,
        }
    }
    let detail = match last {
        Rollout::InProgress { running, desired } => format!("{running} of {desired} tasks running"),
        _ => String::new(),
    };
    Err(ProviderError::new(
        ErrorKind::Other,
        OP,
        format!(
            "service {name} was not stable after {}s ({detail})",
            max.as_secs()
        ),
    )
    .with_code("ServiceNotStable")
    .with_hint("ECS is still trying: run `infrac deploy` again to keep waiting, or set INFRAC_SERVICE_WAIT to wait longer"))
}

fn service_network(
    p: &props::ServiceNetwork,
    operation: &str,
) -> Result<NetworkConfiguration, ProviderError> {
    let subnets = p
        .subnets
        .known()
        .cloned()
        .ok_or_else(|| invalid(operation, "`subnets` is not known yet"))?;
    let groups = p
        .security_groups
        .iter()
        .map(|g| known(g, operation, "security_groups").map(str::to_string))
        .collect::<Result<Vec<_>, _>>()?;
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(subnets))
        .set_security_groups(Some(groups))
        .assign_public_ip(AssignPublicIp::from(p.assign_public_ip.as_str()))
        .build()
        .map_err(|e| invalid(operation, e.to_string()))?;
    Ok(NetworkConfiguration::builder()
        .awsvpc_configuration(vpc)
        .build())
}

fn service_load_balancer(
    p: &props::ServiceLoadBalancer,
    operation: &str,
) -> Result<LoadBalancer, ProviderError> {
    Ok(LoadBalancer::builder()
        .target_group_arn(known(&p.target_group_arn, operation, "target_group_arn")?)
        .container_name(&p.container_name)
        .container_port(i32::from(p.container_port))
        .build())
}

fn deployment(p: &props::Deployment) -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .minimum_healthy_percent(i32::try_from(p.minimum_healthy_percent).unwrap_or(100))
        .maximum_percent(i32::try_from(p.maximum_percent).unwrap_or(200))
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(p.circuit_breaker)
                .rollback(p.rollback)
                .build(),
        )
        .build()
}

fn service_arn(service: &aws_sdk_ecs::types::Service) -> Value {
    json!({ "arn": service.service_arn().unwrap_or_default() })
}

fn count(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl AwsResource for Service {
    type Props = ServiceProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, ServiceProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let cluster = known(&r.props.cluster, "ecs:DescribeServices", "cluster")?;
        let Some(service) = active_service(aws, cluster, r.name).await? else {
            return Ok(None);
        };
        let mut props = Map::new();
        // With scaling, the count is Application Auto Scaling's to set: not drift.
        if !r.props.scaled {
            props.insert("desired_count".into(), json!(service.desired_count()));
        }
        Ok(Some(observed(service_arn(&service), props)))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, ServiceProps>,
    ) -> Result<Value, ProviderError> {
        const OP: &str = "ecs:CreateService";
        let p = &r.props;
        let cluster = known(&p.cluster, OP, "cluster")?;
        if active_service(aws, cluster, r.name).await?.is_some() {
            return Err(already_exists(OP, "service", r.name));
        }
        let out = aws
            .clients
            .ecs
            .create_service()
            .cluster(cluster)
            .service_name(r.name)
            .task_definition(known(&p.task_definition, OP, "task_definition")?)
            .launch_type(LaunchType::from(p.launch_type.as_str()))
            .desired_count(count(p.desired_count))
            .network_configuration(service_network(&p.network, OP)?)
            .load_balancers(service_load_balancer(&p.load_balancer, OP)?)
            .deployment_configuration(deployment(&p.deployment))
            .set_tags(Some(ecs_tags(&p.tags)))
            .propagate_tags(PropagateTags::Service)
            .send()
            .await
            .map_err(|e| translate(OP, e))?;
        let outputs = out
            .service()
            .map(service_arn)
            .ok_or_else(|| invalid(OP, "no service in the answer"))?;
        wait_stable(aws, r.id, cluster, r.name).await?;
        Ok(outputs)
    }

    /// A new definition, network or binding rolls the tasks; with scaling, the count is left
    /// to Application Auto Scaling.
    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, ServiceProps>,
        _old: Option<&Typed<'_, ServiceProps>>,
    ) -> Result<Value, ProviderError> {
        const OP: &str = "ecs:UpdateService";
        let p = &r.props;
        let cluster = known(&p.cluster, OP, "cluster")?;
        let Some(current) = active_service(aws, cluster, r.name).await? else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "ecs:DescribeServices",
                format!("service {} does not exist", r.name),
            ));
        };
        aws.clients
            .ecs
            .update_service()
            .cluster(cluster)
            .service(r.name)
            .task_definition(known(&p.task_definition, OP, "task_definition")?)
            .set_desired_count((!p.scaled).then(|| count(p.desired_count)))
            .network_configuration(service_network(&p.network, OP)?)
            .load_balancers(service_load_balancer(&p.load_balancer, OP)?)
            .deployment_configuration(deployment(&p.deployment))
            .send()
            .await
            .map_err(|e| translate(OP, e))?;
        let arn = current.service_arn().unwrap_or_default().to_string();
        aws.clients
            .ecs
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(ecs_tags(&p.tags)))
            .send()
            .await
            .map_err(|e| translate("ecs:TagResource", e))?;
        wait_stable(aws, r.id, cluster, r.name).await?;
        Ok(service_arn(&current))
    }

    async fn delete(aws: &AwsProvider, r: &Typed<'_, ServiceProps>) -> Result<(), ProviderError> {
        const OP: &str = "ecs:DeleteService";
        let cluster = known(&r.props.cluster, OP, "cluster")?;
        if active_service(aws, cluster, r.name).await?.is_none() {
            return Ok(());
        }
        aws.clients
            .ecs
            .update_service()
            .cluster(cluster)
            .service(r.name)
            .desired_count(0)
            .send()
            .await
            .map_err(|e| translate("ecs:UpdateService", e))?;
        aws.clients
            .ecs
            .delete_service()
            .cluster(cluster)
            .service(r.name)
            .send()
            .await
            .map(|_| ())
            .or_else(|e| ignore_not_found(translate(OP, e)))?;
        // The target group, security groups and cluster can go only once ECS has drained it.
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_mins(10) {
            match describe_service(aws, cluster, r.name).await? {
                Some(s) if s.status() == Some("DRAINING") => {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                _ => return Ok(()),
            }
        }
        Err(ProviderError::new(
            ErrorKind::Other,
            OP,
            format!("service {} was still draining after 600s", r.name),
        ))
    }
}

#[cfg(test)]
mod service_tests {
    use super::{rollout, Rollout};
    use aws_sdk_ecs::types::{Deployment, DeploymentRolloutState, Service};

    fn service(deployments: Vec<Deployment>, running: i32, desired: i32) -> Service {
        Service::builder()
            .set_deployments(Some(deployments))
            .running_count(running)
            .desired_count(desired)
            .build()
    }

    fn deployment(status: &str, state: Option<DeploymentRolloutState>) -> Deployment {
        Deployment::builder()
            .status(status)
            .set_rollout_state(state)
            .rollout_state_reason("ECS deployment circuit breaker: tasks failed to start.")
            .build()
    }

    #[test]
    fn a_completed_primary_deployment_is_stable() {
        let s = service(
            vec![deployment(
                "PRIMARY",
                Some(DeploymentRolloutState::Completed),
            )],
            2,
            2,
        );
        assert_eq!(rollout(&s), Rollout::Stable);
    }

    #[test]
    fn a_rollout_in_progress_counts_its_tasks() {
        let s = service(
            vec![
                deployment("PRIMARY", Some(DeploymentRolloutState::InProgress)),
                deployment("ACTIVE", Some(DeploymentRolloutState::Completed)),
            ],
            1,
            2,
        );
        assert_eq!(
            rollout(&s),
            Rollout::InProgress {
                running: 1,
                desired: 2
            }
        );
    }

    #[test]
    fn a_circuit_breaker_rollback_is_a_failure_with_its_reason() {
        let s = service(
            vec![deployment("PRIMARY", Some(DeploymentRolloutState::Failed))],
            0,
            1,
        );
        assert_eq!(
            rollout(&s),
            Rollout::Failed("ECS deployment circuit breaker: tasks failed to start.".into())
        );
    }

    #[test]
    fn without_rollout_states_one_deployment_at_its_count_is_stable() {
        assert_eq!(
            rollout(&service(vec![deployment("PRIMARY", None)], 3, 3)),
            Rollout::Stable
        );
        assert_eq!(
            rollout(&service(
                vec![deployment("PRIMARY", None), deployment("ACTIVE", None)],
                3,
                3
            )),
            Rollout::InProgress {
                running: 3,
                desired: 3
            }
        );
    }
}
