//! ECR: repositories (`aws:ecr:Repository`) and the images built into them from a project
//! folder (`aws:ecr:Image`, built and pushed with Docker, see `crate::docker`).

use crate::docker;
use crate::error::{invalid, translate};
use crate::provider::AwsProvider;
use crate::resource::{known, observed, read_or_none, sdk_tags, AwsResource, Typed};
use aws_sdk_ecr::types::{ImageIdentifier, ImageScanningConfiguration, ImageTagMutability, Tag};
use infrac_deploy::{ErrorKind, Observed, ProviderError};
use infrac_plan::props::{ImageProps, RepositoryProps};
use serde_json::{json, Map, Value};

/// `aws:ecr:Repository`.
pub struct Repository;

/// `aws:ecr:Image`.
pub struct Image;

fn repository_outputs(arn: Option<&str>, uri: Option<&str>) -> Value {
    json!({"arn": arn.unwrap_or_default(), "url": uri.unwrap_or_default()})
}

impl AwsResource for Repository {
    type Props = RepositoryProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, RepositoryProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let got = aws
            .clients
            .ecr
            .describe_repositories()
            .repository_names(r.name)
            .send()
            .await
            .map_err(|e| translate("ecr:DescribeRepositories", e));
        Ok(read_or_none(got)?.and_then(|out| {
            out.repositories().first().map(|repo| {
                observed(
                    repository_outputs(repo.repository_arn(), repo.repository_uri()),
                    Map::new(),
                )
            })
        }))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, RepositoryProps>,
    ) -> Result<Value, ProviderError> {
        let p = &r.props;
        let out = aws
            .clients
            .ecr
            .create_repository()
            .repository_name(r.name)
            .image_tag_mutability(ImageTagMutability::from(p.image_tag_mutability.as_str()))
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(p.scan_on_push)
                    .build(),
            )
            .set_tags(Some(sdk_tags!(Tag, p.tags, "ecr:TagResource")?))
            .send()
            .await
            .map_err(|e| translate("ecr:CreateRepository", e))?;
        let repo = out.repository();
        Ok(repository_outputs(
            repo.and_then(|r| r.repository_arn()),
            repo.and_then(|r| r.repository_uri()),
        ))
    }

    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, RepositoryProps>,
        _old: Option<&Typed<'_, RepositoryProps>>,
    ) -> Result<Value, ProviderError> {
        let p = &r.props;
        let ecr = &aws.clients.ecr;
        let Some(found) = Self::read(aws, r).await? else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "ecr:DescribeRepositories",
                format!("repository {} does not exist", r.name),
            ));
        };
        ecr.put_image_tag_mutability()
            .repository_name(r.name)
            .image_tag_mutability(ImageTagMutability::from(p.image_tag_mutability.as_str()))
            .send()
            .await
            .map_err(|e| translate("ecr:PutImageTagMutability", e))?;
        ecr.put_image_scanning_configuration()
            .repository_name(r.name)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(p.scan_on_push)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| translate("ecr:PutImageScanningConfiguration", e))?;
        let arn = found.outputs["arn"].as_str().unwrap_or_default();
        ecr.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(sdk_tags!(Tag, p.tags, "ecr:TagResource")?))
            .send()
            .await
            .map_err(|e| translate("ecr:TagResource", e))?;
        Ok(found.outputs)
    }

    async fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, RepositoryProps>,
    ) -> Result<(), ProviderError> {
        aws.clients
            .ecr
            .delete_repository()
            .repository_name(r.name)
            .force(r.props.force_delete)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("ecr:DeleteRepository", e))
    }
}

impl AwsResource for Image {
    type Props = ImageProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, ImageProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let got = aws
            .clients
            .ecr
            .describe_images()
            .repository_name(&r.props.repository)
            .image_ids(ImageIdentifier::builder().image_tag(&r.props.tag).build())
            .send()
            .await
            .map_err(|e| translate("ecr:DescribeImages", e));
        Ok(read_or_none(got)?
            .filter(|out| !out.image_details().is_empty())
            .map(|_| observed(json!({}), Map::new())))
    }

    /// `docker build` of the folder and a push under the content tag.
    async fn create(aws: &AwsProvider, r: &Typed<'_, ImageProps>) -> Result<Value, ProviderError> {
        let p = &r.props;
        let token = aws
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
        let url = known(&p.repository_url, "docker push", "repository_url")?;
        let build = docker::ImageBuild {
            context: aws.project_root.join(&p.context.path),
            dockerfile: p.dockerfile.clone(),
            platform: p.platform.clone(),
            image: format!("{url}:{}", p.tag),
        };
        docker::build_and_push(&build, &auth).await?;
        Ok(json!({"uri": build.image}))
    }

    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, ImageProps>,
        _old: Option<&Typed<'_, ImageProps>>,
    ) -> Result<Value, ProviderError> {
        Self::create(aws, r).await
    }

    async fn delete(aws: &AwsProvider, r: &Typed<'_, ImageProps>) -> Result<(), ProviderError> {
        aws.clients
            .ecr
            .batch_delete_image()
            .repository_name(&r.props.repository)
            .image_ids(ImageIdentifier::builder().image_tag(&r.props.tag).build())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("ecr:BatchDeleteImage", e))
    }
}
