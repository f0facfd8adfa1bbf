//! CloudWatch Logs: log groups (`aws:logs:LogGroup`).

use crate::error::translate;
use crate::provider::AwsProvider;
use crate::resource::{arn_output, observed, tag_map, AwsResource, Typed};
use infrac_deploy::{ErrorKind, Observed, ProviderError};
use infrac_plan::props::LogGroupProps;
use serde_json::{Map, Value};

/// `aws:logs:LogGroup`.
pub struct LogGroup;

/// The ARN of the log group named exactly `name` (without the `:*` Logs adds), if any.
async fn log_group_arn(aws: &AwsProvider, name: &str) -> Result<Option<String>, ProviderError> {
    let out = aws
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

async fn outputs(aws: &AwsProvider, name: &str) -> Result<Value, ProviderError> {
    match log_group_arn(aws, name).await? {
        Some(arn) => Ok(arn_output(arn)),
        None => Err(ProviderError::new(
            ErrorKind::NotFound,
            "logs:DescribeLogGroups",
            format!("log group {name} does not exist"),
        )),
    }
}

impl AwsResource for LogGroup {
    type Props = LogGroupProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, LogGroupProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        Ok(log_group_arn(aws, r.name)
            .await?
            .map(|arn| observed(arn_output(arn), Map::new())))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, LogGroupProps>,
    ) -> Result<Value, ProviderError> {
        aws.clients
            .logs
            .create_log_group()
            .log_group_name(r.name)
            .set_tags(Some(tag_map(&r.props.tags)))
            .send()
            .await
            .map_err(|e| translate("logs:CreateLogGroup", e))?;
        outputs(aws, r.name).await
    }

    // `TagLogGroup` is deprecated in the SDK for `TagResource`; it still works, and takes the
    // group's name where `TagResource` needs its ARN.
    #[allow(deprecated)]
    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, LogGroupProps>,
        _old: Option<&Typed<'_, LogGroupProps>>,
    ) -> Result<Value, ProviderError> {
        aws.clients
            .logs
            .tag_log_group()
            .log_group_name(r.name)
            .set_tags(Some(tag_map(&r.props.tags)))
            .send()
            .await
            .map_err(|e| translate("logs:TagLogGroup", e))?;
        outputs(aws, r.name).await
    }

    async fn delete(aws: &AwsProvider, r: &Typed<'_, LogGroupProps>) -> Result<(), ProviderError> {
        aws.clients
            .logs
            .delete_log_group()
            .log_group_name(r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("logs:DeleteLogGroup", e))
    }
}
