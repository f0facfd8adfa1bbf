//! Lambda: functions (`aws:lambda:Function`) and the statements of their resource policy
//! that let S3 or EventBridge invoke them (`aws:lambda:Permission`).

use crate::error::{invalid, translate};
use crate::provider::AwsProvider;
use crate::resource::{
    arn_output, ignore_not_found, known, observed, read_or_none, reclassify, retry_while,
    tag_changes, tag_map, AwsResource, Typed,
};
use aws_sdk_lambda::types::{Architecture, Environment, FunctionCode, LoggingConfig, Runtime};
use aws_smithy_types::Blob;
use infrac_deploy::{ErrorKind, Observed, ProviderError};
use infrac_plan::props::{FunctionProps, PermissionProps};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// `aws:lambda:Function`.
pub struct Function;

/// `aws:lambda:Permission`.
pub struct Permission;

/// A role Lambda cannot assume yet: IAM is eventually consistent, and a role made a moment
/// ago is refused for some seconds.
fn role_not_ready(err: &ProviderError) -> bool {
    let m = err.message.to_ascii_lowercase();
    err.code.as_deref() == Some("InvalidParameterValueException")
        && (m.contains("cannot be assumed") || m.contains("role"))
}

/// A function still applying a previous update.
fn update_in_progress(err: &ProviderError) -> bool {
    err.code.as_deref() == Some("ResourceConflictException")
        && err.message.to_ascii_lowercase().contains("in progress")
}

fn code_zip(aws: &AwsProvider, p: &FunctionProps) -> Result<Vec<u8>, ProviderError> {
    let path = aws.project_root.join(&p.code.path);
    infrac_deploy::artifact::zip_code(&path).map_err(|e| {
        invalid("zip code", format!("cannot read {}: {e}", path.display()))
            .with_hint("the function's `code` must name a file or folder of the project")
    })
}

fn environment(p: &FunctionProps, operation: &str) -> Result<Environment, ProviderError> {
    let vars = p
        .environment
        .iter()
        .map(|(k, v)| Ok((k.clone(), known(v, operation, k)?.to_string())))
        .collect::<Result<HashMap<_, _>, ProviderError>>()?;
    Ok(Environment::builder().set_variables(Some(vars)).build())
}

fn architectures(p: &FunctionProps) -> Vec<Architecture> {
    p.architectures
        .iter()
        .map(|a| Architecture::from(a.as_str()))
        .collect()
}

impl AwsResource for Function {
    type Props = FunctionProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, FunctionProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let got = aws
            .clients
            .lambda
            .get_function_configuration()
            .function_name(r.name)
            .send()
            .await
            .map_err(|e| translate("lambda:GetFunctionConfiguration", e));
        let Some(out) = read_or_none(got)? else {
            return Ok(None);
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
        Ok(Some(observed(
            arn_output(out.function_arn().unwrap_or_default()),
            properties,
        )))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, FunctionProps>,
    ) -> Result<Value, ProviderError> {
        const OP: &str = "lambda:CreateFunction";
        let p = &r.props;
        let zip = code_zip(aws, p)?;
        let role = known(&p.role_arn, OP, "role_arn")?;
        let env = environment(p, OP)?;
        let out = retry_while(aws.consistency_wait, role_not_ready, || async {
            aws.clients
                .lambda
                .create_function()
                .function_name(r.name)
                .runtime(Runtime::from(p.runtime.as_str()))
                .role(role)
                .handler(p.handler.clone().unwrap_or_default())
                .memory_size(int32(p.memory))
                .timeout(int32(p.timeout))
                .set_architectures(Some(architectures(p)))
                .environment(env.clone())
                .logging_config(
                    LoggingConfig::builder()
                        .log_group(&p.logging.log_group)
                        .build(),
                )
                .code(
                    FunctionCode::builder()
                        .zip_file(Blob::new(zip.clone()))
                        .build(),
                )
                .set_tags(Some(tag_map(&p.tags)))
                .send()
                .await
                .map_err(|e| translate(OP, e))
        })
        .await
        .map_err(|e| reclassify(e, "ResourceConflictException", ErrorKind::AlreadyExists))?;
        Ok(arn_output(out.function_arn().unwrap_or_default()))
    }

    /// New code only when the code or the architecture changed (or the old inputs are not
    /// known); then the configuration, then the tags.
    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, FunctionProps>,
        old: Option<&Typed<'_, FunctionProps>>,
    ) -> Result<Value, ProviderError> {
        const OP: &str = "lambda:UpdateFunctionConfiguration";
        let p = &r.props;
        let lambda = &aws.clients.lambda;
        let code_changed =
            old.is_none_or(|o| o.props.code != p.code || o.props.architectures != p.architectures);
        if code_changed {
            let zip = code_zip(aws, p)?;
            retry_while(aws.consistency_wait, update_in_progress, || async {
                lambda
                    .update_function_code()
                    .function_name(r.name)
                    .zip_file(Blob::new(zip.clone()))
                    .set_architectures(Some(architectures(p)))
                    .send()
                    .await
                    .map_err(|e| translate("lambda:UpdateFunctionCode", e))
            })
            .await?;
        }
        let role = known(&p.role_arn, OP, "role_arn")?;
        let env = environment(p, OP)?;
        let out = retry_while(
            aws.consistency_wait,
            |e| update_in_progress(e) || role_not_ready(e),
            || async {
                lambda
                    .update_function_configuration()
                    .function_name(r.name)
                    .runtime(Runtime::from(p.runtime.as_str()))
                    .role(role)
                    .handler(p.handler.clone().unwrap_or_default())
                    .memory_size(int32(p.memory))
                    .timeout(int32(p.timeout))
                    .environment(env.clone())
                    .logging_config(
                        LoggingConfig::builder()
                            .log_group(&p.logging.log_group)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| translate(OP, e))
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
        let have = current.tags().cloned().unwrap_or_default();
        let (stale, differs) =
            tag_changes(&p.tags, have.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if !stale.is_empty() {
            lambda
                .untag_resource()
                .resource(&arn)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(|e| translate("lambda:UntagResource", e))?;
        }
        if differs {
            lambda
                .tag_resource()
                .resource(&arn)
                .set_tags(Some(tag_map(&p.tags)))
                .send()
                .await
                .map_err(|e| translate("lambda:TagResource", e))?;
        }
        Ok(arn_output(arn))
    }

    async fn delete(aws: &AwsProvider, r: &Typed<'_, FunctionProps>) -> Result<(), ProviderError> {
        aws.clients
            .lambda
            .delete_function()
            .function_name(r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("lambda:DeleteFunction", e))
    }
}

/// Memory and timeout as the API takes them; the checker keeps both far below `i32::MAX`.
fn int32(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

async fn add_permission(
    aws: &AwsProvider,
    r: &Typed<'_, PermissionProps>,
) -> Result<Value, ProviderError> {
    const OP: &str = "lambda:AddPermission";
    let p = &r.props;
    let source_account = match &p.source_account {
        Some(account) => Some(known(account, OP, "source_account")?.to_string()),
        None => None,
    };
    aws.clients
        .lambda
        .add_permission()
        .function_name(&p.function_name)
        .statement_id(&p.statement_id)
        .action(&p.action)
        .principal(&p.principal)
        .source_arn(known(&p.source_arn, OP, "source_arn")?)
        .set_source_account(source_account)
        .send()
        .await
        .map_err(|e| {
            reclassify(
                translate(OP, e),
                "ResourceConflictException",
                ErrorKind::AlreadyExists,
            )
        })?;
    Ok(json!({}))
}

impl AwsResource for Permission {
    type Props = PermissionProps;

    /// Found when the function's policy holds a statement of this id.
    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, PermissionProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let got = aws
            .clients
            .lambda
            .get_policy()
            .function_name(&r.props.function_name)
            .send()
            .await
            .map_err(|e| translate("lambda:GetPolicy", e));
        let Some(out) = read_or_none(got)? else {
            return Ok(None);
        };
        let doc: Value =
            serde_json::from_str(out.policy().unwrap_or_default()).unwrap_or(Value::Null);
        let found = doc
            .get("Statement")
            .and_then(Value::as_array)
            .is_some_and(|st| {
                st.iter().any(|x| {
                    x.get("Sid").and_then(Value::as_str) == Some(r.props.statement_id.as_str())
                })
            });
        Ok(found.then(|| observed(json!({}), Map::new())))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, PermissionProps>,
    ) -> Result<Value, ProviderError> {
        add_permission(aws, r).await
    }

    /// A statement cannot be edited: the old one is removed and the new one added.
    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, PermissionProps>,
        old: Option<&Typed<'_, PermissionProps>>,
    ) -> Result<Value, ProviderError> {
        Self::delete(aws, old.unwrap_or(r))
            .await
            .or_else(ignore_not_found)?;
        add_permission(aws, r).await
    }

    async fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, PermissionProps>,
    ) -> Result<(), ProviderError> {
        aws.clients
            .lambda
            .remove_permission()
            .function_name(&r.props.function_name)
            .statement_id(&r.props.statement_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("lambda:RemovePermission", e))
    }
}
