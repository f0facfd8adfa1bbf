//! Whose a resource is: the tags the engine reads before it updates, replaces, deletes or
//! adopts anything ([`infrac_deploy::Provider::owner_tags`]). One function per resource type;
//! the types AWS cannot tag answer with their parent's tags (a bucket notification with its
//! bucket's, a Lambda permission with its function's, an image with its repository's, a
//! scaling target or policy with its ECS service's).

use crate::error::translate;
use crate::provider::AwsProvider;
use crate::resource::read_or_none;
use aws_sdk_ecs::types::{ClusterField, TaskDefinitionField};
use infrac_deploy::{ErrorKind, OwnerTags, ProviderError, Resource};
use infrac_plan::props::{
    BucketNotificationProps, ImageProps, PermissionProps, ResourceProps, ScalableTargetProps,
    ScalingPolicyProps, SecurityGroupProps, ServiceProps,
};
use infrac_plan::ResourceType;
use std::collections::BTreeMap;

type Tags = BTreeMap<String, String>;

fn own(tags: Option<Tags>) -> Option<OwnerTags> {
    tags.map(|tags| OwnerTags {
        tags,
        from_parent: false,
        created: None,
    })
}

fn parents(tags: Option<Tags>) -> Option<OwnerTags> {
    tags.map(|tags| OwnerTags {
        tags,
        from_parent: true,
        created: None,
    })
}

fn props<P: ResourceProps>(r: &Resource) -> Result<P, ProviderError> {
    P::from_json(&r.properties).map_err(|e| crate::resource::invalid_properties(P::TYPE, &r.id, &e))
}

/// The tags of the resource `r` names, or of its parent; `None` when it does not exist.
pub async fn owner_tags(
    aws: &AwsProvider,
    r: &Resource,
) -> Result<Option<OwnerTags>, ProviderError> {
    Ok(match r.ty {
        ResourceType::S3Bucket => match own(bucket(aws, &r.name).await?) {
            // An untagged bucket: when it was made decides whether an interrupted create of
            // ours made it (see the engine's adoption).
            Some(mut owner) if owner.tags.is_empty() => {
                owner.created = bucket_created(aws, &r.name).await?;
                Some(owner)
            }
            other => other,
        },
        ResourceType::S3BucketNotification => {
            let p: BucketNotificationProps = props(r)?;
            parents(bucket(aws, &p.bucket).await?)
        }
        ResourceType::IamRole => own(role(aws, &r.name).await?),
        ResourceType::LambdaFunction => own(function(aws, &r.name).await?),
        ResourceType::LambdaPermission => {
            let p: PermissionProps = props(r)?;
            parents(function(aws, &p.function_name).await?)
        }
        ResourceType::LogGroup => own(log_group(aws, &r.name).await?),
        ResourceType::EcsCluster => own(cluster(aws, &r.name).await?),
        ResourceType::EcsTaskDefinition => {
            own(task_definition(aws, r.arn.as_deref().unwrap_or(&r.name)).await?)
        }
        ResourceType::EcrRepository => own(repository(aws, &r.name).await?),
        ResourceType::EcrImage => {
            let p: ImageProps = props(r)?;
            parents(repository(aws, &p.repository).await?)
        }
        ResourceType::EventsRule => own(rule(aws, &r.name).await?),
        ResourceType::Ec2SecurityGroup => own(security_group(aws, r).await?),
        ResourceType::Elbv2LoadBalancer => {
            match crate::elbv2::load_balancer_named(aws, &r.name).await? {
                Some(lb) => own(crate::elbv2::tags_of(
                    aws,
                    lb.load_balancer_arn().unwrap_or_default(),
                )
                .await?),
                None => None,
            }
        }
        ResourceType::Elbv2TargetGroup => {
            match crate::elbv2::target_group_named(aws, &r.name).await? {
                Some(tg) => own(crate::elbv2::tags_of(
                    aws,
                    tg.target_group_arn().unwrap_or_default(),
                )
                .await?),
                None => None,
            }
        }
        ResourceType::Elbv2Listener => match r.arn.as_deref() {
            Some(arn) => own(crate::elbv2::tags_of(aws, arn).await?),
            None => None,
        },
        ResourceType::EcsService => {
            let p: ServiceProps = props(r)?;
            match p.cluster.known() {
                Some(cluster) => own(crate::ecs::service_tags(aws, cluster, &r.name).await?),
                None => None,
            }
        }
        ResourceType::ScalableTarget => {
            let p: ScalableTargetProps = props(r)?;
            parents(scaled_service(aws, p.resource_id.known()).await?)
        }
        ResourceType::ScalingPolicy => {
            let p: ScalingPolicyProps = props(r)?;
            parents(scaled_service(aws, p.resource_id.known()).await?)
        }
    })
}

/// A security group's tags, found by name in the VPC of its subnets.
async fn security_group(aws: &AwsProvider, r: &Resource) -> Result<Option<Tags>, ProviderError> {
    let p: SecurityGroupProps = props(r)?;
    let Some(subnets) = p.subnets.known().filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let config = &aws.clients.config;
    let Some(vpc) = read_or_none(crate::ec2::subnets(config, subnets).await)?
        .and_then(|found| found.first().map(|s| s.vpc.clone()))
    else {
        return Ok(None);
    };
    Ok(crate::ec2::group_named(config, &vpc, &r.name)
        .await?
        .map(|g| g.tags))
}

/// The tags of the ECS service a scaling resource id (`service/CLUSTER/SERVICE`) names: the
/// owner of its scalable target and policy, which take no tags here.
async fn scaled_service(
    aws: &AwsProvider,
    resource_id: Option<&String>,
) -> Result<Option<Tags>, ProviderError> {
    let Some((cluster, service)) = resource_id
        .and_then(|id| id.strip_prefix("service/"))
        .and_then(|rest| rest.split_once('/'))
    else {
        return Ok(None);
    };
    crate::ecs::service_tags(aws, cluster, service).await
}

fn collect<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Tags {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A bucket without tags answers `NoSuchTagSet`; one of another account answers 403: it
/// exists and is not ours, so it has no tags of ours.
pub async fn bucket(aws: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let got = aws
        .clients
        .s3
        .get_bucket_tagging()
        .bucket(name)
        .send()
        .await
        .map_err(|e| translate("s3:GetBucketTagging", e));
    match got {
        Ok(out) => Ok(Some(collect(
            out.tag_set().iter().map(|t| (t.key(), t.value())),
        ))),
        Err(err)
            if matches!(
                err.code.as_deref(),
                Some("NoSuchTagSet" | "AccessDenied" | "HTTP 403")
            ) =>
        {
            Ok(Some(Tags::new()))
        }
        Err(err) => read_or_none(Err(err)),
    }
}

/// When a bucket of this account was created (seconds since the Unix epoch); `None` for one
/// not listed (another account's).
async fn bucket_created(aws: &AwsProvider, name: &str) -> Result<Option<u64>, ProviderError> {
    let mut token = None;
    loop {
        let page = aws
            .clients
            .s3
            .list_buckets()
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| translate("s3:ListBuckets", e))?;
        if let Some(b) = page.buckets().iter().find(|b| b.name() == Some(name)) {
            return Ok(b.creation_date().and_then(|d| u64::try_from(d.secs()).ok()));
        }
        token = page.continuation_token().map(str::to_string);
        if token.is_none() {
            return Ok(None);
        }
    }
}

async fn role(aws: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let got = aws
        .clients
        .iam
        .list_role_tags()
        .role_name(name)
        .send()
        .await
        .map_err(|e| translate("iam:ListRoleTags", e));
    Ok(read_or_none(got)?.map(|out| collect(out.tags().iter().map(|t| (t.key(), t.value())))))
}

async fn function(aws: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let got = aws
        .clients
        .lambda
        .get_function()
        .function_name(name)
        .send()
        .await
        .map_err(|e| translate("lambda:GetFunction", e));
    Ok(read_or_none(got)?.map(|out| {
        out.tags()
            .map(|tags| collect(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
            .unwrap_or_default()
    }))
}

// `ListTagsLogGroup` is deprecated in the SDK for `ListTagsForResource`; it still works, and
// takes the group's name where the other needs its ARN.
#[allow(deprecated)]
async fn log_group(aws: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let got = aws
        .clients
        .logs
        .list_tags_log_group()
        .log_group_name(name)
        .send()
        .await
        .map_err(|e| translate("logs:ListTagsLogGroup", e));
    Ok(read_or_none(got)?.map(|out| {
        out.tags()
            .map(|tags| collect(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
            .unwrap_or_default()
    }))
}

async fn cluster(aws: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let out = aws
        .clients
        .ecs
        .describe_clusters()
        .clusters(name)
        .include(ClusterField::Tags)
        .send()
        .await
        .map_err(|e| translate("ecs:DescribeClusters", e))?;
    Ok(out
        .clusters()
        .iter()
        .find(|c| c.status() == Some("ACTIVE"))
        .map(|c| collect(c.tags().iter().filter_map(|t| Some((t.key()?, t.value()?))))))
}

async fn task_definition(aws: &AwsProvider, key: &str) -> Result<Option<Tags>, ProviderError> {
    let got = aws
        .clients
        .ecs
        .describe_task_definition()
        .task_definition(key)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .map_err(|e| {
            crate::resource::reclassify(
                translate("ecs:DescribeTaskDefinition", e),
                "ClientException",
                ErrorKind::NotFound,
            )
        });
    Ok(read_or_none(got)?.and_then(|out| {
        let active = out
            .task_definition()
            .is_some_and(|t| t.status().map(|s| s.as_str()) == Some("ACTIVE"));
        active.then(|| {
            collect(
                out.tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?, t.value()?))),
            )
        })
    }))
}

/// The ARN of the ECR repository of this name; `None` when there is none.
pub(crate) async fn repository_arn(
    aws: &AwsProvider,
    name: &str,
) -> Result<Option<String>, ProviderError> {
    let got = aws
        .clients
        .ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
        .map_err(|e| translate("ecr:DescribeRepositories", e));
    Ok(read_or_none(got)?.and_then(|out| {
        out.repositories()
            .first()
            .and_then(|r| r.repository_arn())
            .map(str::to_string)
    }))
}

async fn repository(aws: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let Some(arn) = repository_arn(aws, name).await? else {
        return Ok(None);
    };
    let tags = aws
        .clients
        .ecr
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| translate("ecr:ListTagsForResource", e))?;
    Ok(Some(collect(
        tags.tags().iter().map(|t| (t.key(), t.value())),
    )))
}

/// The ARN of the EventBridge rule of this name; `None` when there is none.
pub(crate) async fn rule_arn(
    aws: &AwsProvider,
    name: &str,
) -> Result<Option<String>, ProviderError> {
    let got = aws
        .clients
        .events
        .describe_rule()
        .name(name)
        .send()
        .await
        .map_err(|e| translate("events:DescribeRule", e));
    Ok(read_or_none(got)?.and_then(|out| out.arn().map(str::to_string)))
}

async fn rule(aws: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let Some(arn) = rule_arn(aws, name).await? else {
        return Ok(None);
    };
    let tags = aws
        .clients
        .events
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| translate("events:ListTagsForResource", e))?;
    Ok(Some(collect(
        tags.tags().iter().map(|t| (t.key(), t.value())),
    )))
}
