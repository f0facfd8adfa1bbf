//! Adding tags to a resource that exists, keeping the tags it has: what `infrac import` does
//! to claim a resource for a stack ([`infrac_deploy::Provider::add_tags`]). One arm per type
//! that takes tags; the others cannot be imported (the engine refuses them first).

use crate::error::{invalid, translate};
use crate::provider::AwsProvider;
use crate::resource::{sdk_tags, tag_map};
use infrac_deploy::{ErrorKind, ProviderError, Resource};
use infrac_plan::props::Tags;
use infrac_plan::ResourceType;

fn gone(operation: &str, r: &Resource) -> ProviderError {
    ProviderError::new(
        ErrorKind::NotFound,
        operation,
        format!("{} {} does not exist", r.ty, r.name),
    )
}

/// Adds `tags` to the resource `r` names.
#[allow(deprecated)] // TagLogGroup: see `owner::log_group`.
pub async fn add_tags(aws: &AwsProvider, r: &Resource, tags: &Tags) -> Result<(), ProviderError> {
    let c = &aws.clients;
    match r.ty {
        ResourceType::S3Bucket => {
            // PutBucketTagging replaces the whole set: the bucket's own tags go back with ours.
            let mut all = crate::owner::bucket(aws, &r.name)
                .await?
                .ok_or_else(|| gone("s3:GetBucketTagging", r))?;
            all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
            let tag_set = sdk_tags!(aws_sdk_s3::types::Tag, all, "s3:PutBucketTagging")?;
            let tagging = aws_sdk_s3::types::Tagging::builder()
                .set_tag_set(Some(tag_set))
                .build()
                .map_err(|e| invalid("s3:PutBucketTagging", e.to_string()))?;
            c.s3.put_bucket_tagging()
                .bucket(&r.name)
                .tagging(tagging)
                .send()
                .await
                .map_err(|e| translate("s3:PutBucketTagging", e))?;
        }
        ResourceType::IamRole => {
            c.iam
                .tag_role()
                .role_name(&r.name)
                .set_tags(Some(sdk_tags!(
                    aws_sdk_iam::types::Tag,
                    tags,
                    "iam:TagRole"
                )?))
                .send()
                .await
                .map_err(|e| translate("iam:TagRole", e))?;
        }
        ResourceType::LambdaFunction => {
            let f = c
                .lambda
                .get_function()
                .function_name(&r.name)
                .send()
                .await
                .map_err(|e| translate("lambda:GetFunction", e))?;
            let arn = f
                .configuration()
                .and_then(|c| c.function_arn())
                .ok_or_else(|| gone("lambda:GetFunction", r))?;
            c.lambda
                .tag_resource()
                .resource(arn)
                .set_tags(Some(tag_map(tags)))
                .send()
                .await
                .map_err(|e| translate("lambda:TagResource", e))?;
        }
        ResourceType::LogGroup => {
            c.logs
                .tag_log_group()
                .log_group_name(&r.name)
                .set_tags(Some(tag_map(tags)))
                .send()
                .await
                .map_err(|e| translate("logs:TagLogGroup", e))?;
        }
        ResourceType::EcsCluster => {
            let arn = crate::ecs::active_cluster(aws, &r.name)
                .await?
                .ok_or_else(|| gone("ecs:DescribeClusters", r))?;
            let ecs_tags = tags
                .iter()
                .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build())
                .collect();
            c.ecs
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(ecs_tags))
                .send()
                .await
                .map_err(|e| translate("ecs:TagResource", e))?;
        }
        ResourceType::EcrRepository => {
            let arn = crate::owner::repository_arn(aws, &r.name)
                .await?
                .ok_or_else(|| gone("ecr:DescribeRepositories", r))?;
            c.ecr
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(sdk_tags!(
                    aws_sdk_ecr::types::Tag,
                    tags,
                    "ecr:TagResource"
                )?))
                .send()
                .await
                .map_err(|e| translate("ecr:TagResource", e))?;
        }
        ResourceType::EventsRule => {
            let arn = crate::owner::rule_arn(aws, &r.name)
                .await?
                .ok_or_else(|| gone("events:DescribeRule", r))?;
            c.events
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(sdk_tags!(
                    aws_sdk_eventbridge::types::Tag,
                    tags,
                    "events:TagResource"
                )?))
                .send()
                .await
                .map_err(|e| translate("events:TagResource", e))?;
        }
        // The engine refuses these before it calls (`infrac_deploy::not_importable`).
        _ => {
            return Err(invalid(
                "tag",
                format!("a {} cannot be given tags of its own", r.ty),
            ))
        }
    }
    Ok(())
}
