//! EventBridge: rules on a schedule or on events, with their targets (`aws:events:Rule`).

use crate::error::{invalid, translate};
use crate::provider::AwsProvider;
use crate::resource::{
    already_exists, arn_output, ignore_not_found, known, observed, read_or_none, sdk_tags,
    AwsResource, Typed,
};
use aws_sdk_eventbridge::types::*;
use infrac_deploy::{ErrorKind, Observed, ProviderError};
use infrac_plan::props::{self, RuleProps};
use serde_json::{json, Map, Value};

/// `aws:events:Rule`.
pub struct Rule;

impl AwsResource for Rule {
    type Props = RuleProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, RuleProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let got = aws
            .clients
            .events
            .describe_rule()
            .name(r.name)
            .send()
            .await
            .map_err(|e| translate("events:DescribeRule", e));
        let Some(out) = read_or_none(got)? else {
            return Ok(None);
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
        Ok(Some(observed(
            arn_output(out.arn().unwrap_or_default()),
            properties,
        )))
    }

    /// `PutRule` makes or overwrites: a rule of this name is looked up first, so one not in
    /// state is not silently taken over.
    async fn create(aws: &AwsProvider, r: &Typed<'_, RuleProps>) -> Result<Value, ProviderError> {
        if Self::read(aws, r).await?.is_some() {
            return Err(already_exists("events:PutRule", "rule", r.name));
        }
        put_rule(aws, r, true).await
    }

    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, RuleProps>,
        _old: Option<&Typed<'_, RuleProps>>,
    ) -> Result<Value, ProviderError> {
        put_rule(aws, r, false).await
    }

    /// Targets first: EventBridge refuses to delete a rule that has any.
    async fn delete(aws: &AwsProvider, r: &Typed<'_, RuleProps>) -> Result<(), ProviderError> {
        let events = &aws.clients.events;
        let existing = match events.list_targets_by_rule().rule(r.name).send().await {
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
                .rule(r.name)
                .set_ids(Some(ids))
                .send()
                .await
                .map_err(|e| translate("events:RemoveTargets", e))?;
        }
        events
            .delete_rule()
            .name(r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("events:DeleteRule", e))
    }
}

fn target(t: &props::RuleTarget) -> Result<Target, ProviderError> {
    const OP: &str = "events:PutTargets";
    let bad = |e: aws_sdk_eventbridge::error::BuildError| invalid(OP, e.to_string());
    let mut target = Target::builder().id(&t.id).arn(known(&t.arn, OP, "arn")?);
    if let Some(role) = &t.role_arn {
        target = target.role_arn(known(role, OP, "role_arn")?);
    }
    if let Some(ecs) = &t.ecs_parameters {
        let vpc = &ecs.network_configuration.awsvpc_configuration;
        let subnets = vpc
            .subnets
            .known()
            .cloned()
            .ok_or_else(|| invalid(OP, "`subnets` is not known yet"))?;
        let awsvpc = AwsVpcConfiguration::builder()
            .set_subnets(Some(subnets))
            .assign_public_ip(AssignPublicIp::from(vpc.assign_public_ip.as_str()))
            .set_security_groups(vpc.security_groups.clone());
        target = target.ecs_parameters(
            EcsParameters::builder()
                .task_definition_arn(known(&ecs.task_definition_arn, OP, "task_definition_arn")?)
                .launch_type(LaunchType::from(ecs.launch_type.as_str()))
                .task_count(i32::try_from(ecs.task_count).unwrap_or(1))
                .network_configuration(
                    NetworkConfiguration::builder()
                        .awsvpc_configuration(awsvpc.build().map_err(bad)?)
                        .build(),
                )
                .build()
                .map_err(bad)?,
        );
    }
    if let Some(it) = &t.input_transformer {
        target = target.input_transformer(
            InputTransformer::builder()
                .set_input_paths_map(Some(
                    it.input_paths_map
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ))
                .input_template(known(&it.input_template, OP, "input_template")?)
                .build()
                .map_err(bad)?,
        );
    }
    target.build().map_err(bad)
}

/// Puts the rule (with its tags when new, tagging it when not), then makes its targets the
/// desired ones: stale ones removed, the rest put.
async fn put_rule(
    aws: &AwsProvider,
    r: &Typed<'_, RuleProps>,
    create: bool,
) -> Result<Value, ProviderError> {
    let events = &aws.clients.events;
    let p = &r.props;
    let tags = sdk_tags!(Tag, p.tags, "events:PutRule")?;
    let out = events
        .put_rule()
        .name(r.name)
        .state(RuleState::from(p.state.as_str()))
        .set_schedule_expression(p.schedule_expression.clone())
        .set_event_pattern(p.event_pattern.as_ref().map(Value::to_string))
        .set_tags(create.then(|| tags.clone()))
        .send()
        .await
        .map_err(|e| translate("events:PutRule", e))?;
    let arn = out.rule_arn().unwrap_or_default().to_string();
    if !create {
        events
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| translate("events:TagResource", e))?;
    }
    let existing = events
        .list_targets_by_rule()
        .rule(r.name)
        .send()
        .await
        .map_err(|e| translate("events:ListTargetsByRule", e))?;
    let stale: Vec<String> = existing
        .targets()
        .iter()
        .map(|t| t.id().to_string())
        .filter(|id| !p.targets.iter().any(|d| d.id == *id))
        .collect();
    if !stale.is_empty() {
        events
            .remove_targets()
            .rule(r.name)
            .set_ids(Some(stale))
            .send()
            .await
            .map_err(|e| translate("events:RemoveTargets", e))?;
    }
    if !p.targets.is_empty() {
        let targets = p
            .targets
            .iter()
            .map(target)
            .collect::<Result<Vec<_>, _>>()?;
        let out = events
            .put_targets()
            .rule(r.name)
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
