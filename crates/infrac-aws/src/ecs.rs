//! ECS: the stack's cluster (`aws:ecs:Cluster`) and Fargate task definitions
//! (`aws:ecs:TaskDefinition`).

use crate::error::{invalid, translate};
use crate::provider::AwsProvider;
use crate::resource::{
    already_exists, arn_output, ignore_not_found, known, observed, read_or_none, reclassify,
    AwsResource, Typed,
};
use aws_sdk_ecs::types::*;
use infrac_deploy::{ErrorKind, Observed, ProviderError};
use infrac_plan::props::{self, ClusterProps, Tags, TaskDefinitionProps};
use serde_json::{Map, Value};
use std::collections::HashMap;

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
async fn active_cluster(aws: &AwsProvider, name: &str) -> Result<Option<String>, ProviderError> {
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
