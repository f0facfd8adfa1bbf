//! Lowering of a trigger (`source.event() -> function|task target`): the permission or role
//! that lets the event start its target, and the EventBridge rule of a task or bucket trigger.

use super::{
    collect_event_fields, escape_wildcard, event_field_path, json_string_body, output_text,
    s3_event, to_text, Lowering, CLUSTER_ID,
};
use crate::graph::{join, lookup, output_ref, Node, Origin};
use crate::names::{fit, Namer, IAM_ROLE_MAX};
use crate::policy::{bucket_arn, PolicyBuilder};
use crate::props::{
    AwsVpcConfiguration, EcsParameters, InputTransformer, NetworkConfiguration, PermissionProps,
    RuleProps, RuleTarget, Text,
};
use infrac_check::model::TriggerModel;
use infrac_syntax::ast::{ResourceKind, TargetKind};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::sync::Arc;

impl Lowering<'_> {
    pub(super) fn trigger_base(&self, t: &TriggerModel) -> String {
        self.namer.trigger(&t.source, t.event, &t.target, &t.id())
    }

    /// The EventBridge target that runs a trigger's function or task.
    pub(super) fn target(&self, t: &TriggerModel) -> RuleTarget {
        let id = Namer::target_id(&t.target, &t.id());
        match t.target_kind {
            TargetKind::Function => RuleTarget {
                id,
                arn: output_text(&t.target, "arn"),
                role_arn: None,
                ecs_parameters: None,
                input_transformer: None,
            },
            TargetKind::Task => {
                let settings = &self.project.settings;
                let subnets = self.subnets();
                let vpc = AwsVpcConfiguration {
                    subnets,
                    // Without a public IP a task in a public subnet (the default VPC's) cannot
                    // pull its image; in a private subnet the setting does nothing.
                    assign_public_ip: "ENABLED".into(),
                    // None means the VPC's default group, as ECS does.
                    security_groups: (!settings.security_groups.is_empty())
                        .then(|| settings.security_groups.clone()),
                };
                RuleTarget {
                    id,
                    arn: output_text(CLUSTER_ID, "arn"),
                    role_arn: Some(output_text(&format!("trigger/{}/role", t.id()), "arn")),
                    ecs_parameters: Some(EcsParameters {
                        task_definition_arn: output_text(
                            &format!("{}/definition", t.target),
                            "arn",
                        ),
                        launch_type: "FARGATE".into(),
                        task_count: 1,
                        network_configuration: NetworkConfiguration {
                            awsvpc_configuration: vpc,
                        },
                    }),
                    input_transformer: (!t.env.is_empty()).then(|| self.input_transformer(t)),
                }
            }
        }
    }

    /// The input transformer that turns the event into a RunTask container override holding
    /// the trigger's `env`: each event field becomes an input path and a `<field>` placeholder.
    pub(super) fn input_transformer(&self, t: &TriggerModel) -> InputTransformer {
        let mut paths = BTreeMap::new();
        let placeholder = |field: &str| Json::String(format!("<{field}>"));
        let mut parts: Vec<Json> = vec![json!(format!(
            r#"{{"containerOverrides":[{{"name":"{}","environment":["#,
            json_string_body(&t.target)
        ))];
        for (i, (name, value)) in t.env.iter().enumerate() {
            collect_event_fields(value, &mut |field| {
                paths.insert(
                    field.to_string(),
                    event_field_path(t.source_kind, field).to_string(),
                );
            });
            let sep = if i == 0 { "" } else { "," };
            parts.push(json!(format!(
                r#"{sep}{{"name":"{}","value":""#,
                json_string_body(name)
            )));
            // Text is escaped for the JSON string it sits in; placeholders are filled by
            // EventBridge, references by the deploy engine.
            match self.string_value(value, &placeholder) {
                Json::String(s) => parts.push(json!(json_string_body(&s))),
                Json::Object(map) if map.contains_key("$join") => {
                    if let Some(Json::Array(items)) = map.get("$join") {
                        for item in items {
                            parts.push(match item {
                                Json::String(s) => json!(json_string_body(s)),
                                other => other.clone(),
                            });
                        }
                    }
                }
                other => parts.push(other),
            }
            parts.push(json!("\"}"));
        }
        parts.push(json!("]}]}"));
        InputTransformer {
            input_paths_map: paths,
            input_template: to_text(join(parts)),
        }
    }

    pub(super) fn trigger(&mut self, t: &TriggerModel) {
        let origin = self.trigger_origin(t);
        let id = t.id();
        let prefix = format!("trigger/{id}");
        let base = self.trigger_base(t);
        let target_function = t.target.as_str();
        match (t.source_kind, t.target_kind) {
            (ResourceKind::Bucket, TargetKind::Function) => {
                let source_arn = Text::from(bucket_arn(&self.bucket_name(&t.source)));
                // A bucket ARN names no account, so the account is checked too (the confused
                // deputy problem: another account's bucket of the same name).
                self.permission(
                    &prefix,
                    &base,
                    target_function,
                    "s3.amazonaws.com",
                    source_arn,
                    Some(to_text(lookup("aws.account_id"))),
                    &origin,
                );
            }
            (ResourceKind::Schedule, TargetKind::Function) => {
                let source_arn = output_text(&t.source, "arn");
                self.permission(
                    &prefix,
                    &base,
                    target_function,
                    "events.amazonaws.com",
                    source_arn,
                    None,
                    &origin,
                );
            }
            (ResourceKind::Bucket, TargetKind::Task) => {
                self.events_role(&prefix, &base, t, &origin);
                let bucket = self.bucket_name(&t.source);
                let (_, detail_type) = s3_event(t.event);
                let mut detail = json!({"bucket": {"name": [bucket]}});
                if let Some((prefix_text, suffix)) = t.pattern.as_ref().and_then(|p| p.s3_filter())
                {
                    let key = match (prefix_text.is_empty(), suffix.is_empty()) {
                        (true, true) => None,
                        (false, true) => Some(json!({"prefix": prefix_text})),
                        (true, false) => Some(json!({"suffix": suffix})),
                        // Both ends: EventBridge's wildcard filter, where `*` and `\` are
                        // escaped to stay literal.
                        (false, false) => Some(json!({"wildcard": format!(
                            "{}*{}",
                            escape_wildcard(prefix_text),
                            escape_wildcard(suffix)
                        )})),
                    };
                    if let Some(key) = key {
                        detail["object"] = json!({"key": [key]});
                    }
                }
                let name = fit(&base, crate::names::EVENTS_RULE_MAX);
                let props = RuleProps {
                    name: name.clone(),
                    schedule_expression: None,
                    event_pattern: Some(json!({
                        "source": ["aws.s3"],
                        "detail-type": [detail_type],
                        "detail": detail,
                    })),
                    state: "ENABLED".into(),
                    targets: vec![self.target(t)],
                    tags: self.tags(&format!("{prefix}/rule")),
                };
                // The rule matches only once the bucket sends its events to EventBridge.
                let notifications = format!("{}/notifications", t.source);
                self.add(Node::typed(
                    format!("{prefix}/rule"),
                    name,
                    &props,
                    &[notifications.as_str()],
                    &origin,
                ));
            }
            (ResourceKind::Schedule, TargetKind::Task) => {
                self.events_role(&prefix, &base, t, &origin);
            }
            // Only buckets and schedules have events; the checker refuses anything else.
            (
                ResourceKind::Function
                | ResourceKind::Task
                | ResourceKind::Service
                | ResourceKind::Secret,
                _,
            ) => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn permission(
        &mut self,
        prefix: &str,
        base: &str,
        function: &str,
        principal: &str,
        source_arn: Text,
        source_account: Option<Text>,
        origin: &Arc<Origin>,
    ) {
        let statement_id = Namer::statement_id(base);
        let props = PermissionProps {
            statement_id: statement_id.clone(),
            action: "lambda:InvokeFunction".into(),
            function_name: self.namer.lambda_function(function),
            principal: principal.into(),
            source_arn,
            source_account,
        };
        self.add(Node::typed(
            format!("{prefix}/permission"),
            statement_id,
            &props,
            &[function],
            origin,
        ));
    }

    /// The role EventBridge assumes to run a task: RunTask on that task definition in the
    /// stack's cluster, and passing exactly the task's two roles to ECS.
    pub(super) fn events_role(
        &mut self,
        prefix: &str,
        base: &str,
        t: &TriggerModel,
        origin: &Arc<Origin>,
    ) {
        let task = t.target.as_str();
        let mut policy = PolicyBuilder::new();
        policy.allow_if(
            &["ecs:RunTask"],
            &output_ref(&format!("{task}/definition"), "arn"),
            json!({"ArnEquals": {"ecs:cluster": output_ref(CLUSTER_ID, "arn")}}),
        );
        for role in ["execution-role", "task-role"] {
            policy.allow_if(
                &["iam:PassRole"],
                &output_ref(&format!("{task}/{role}"), "arn"),
                json!({"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
            );
        }
        let name = fit(&format!("{base}-events"), IAM_ROLE_MAX);
        self.role(
            &format!("{prefix}/role"),
            name,
            "events.amazonaws.com",
            &policy,
            origin,
        );
    }
}
