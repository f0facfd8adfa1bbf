//! Lowering of what lets code reach other resources beyond buckets: `runs T` (ECS RunTask),
//! `invokes F` (Lambda Invoke), `reads SECRET` (SSM GetParameter) and a secret's value in a
//! task's `env` (an ECS `secrets` entry). Functions and tasks both go through here, so every
//! kind of compute that holds an access gets the same grants and variables.

use super::{to_text, Lowering, CLUSTER_ID};
use crate::graph::{join, lookup, output_ref};
use crate::policy::PolicyBuilder;
use crate::props::{ContainerSecret, Text};
use infrac_check::compute::{added_env, AddedValue};
use infrac_check::model::{Model, ResourceModel, StrSegment, Value};
use infrac_syntax::ast::{AccessMode, ResourceKind};
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

impl Lowering<'_> {
    fn kind_of(&self, name: &str) -> Option<ResourceKind> {
        self.resources.get(name).map(|r| r.kind)
    }

    /// `arn:aws:SERVICE:REGION:ACCOUNT:REST`, with the region and account looked up at deploy.
    fn account_arn(&self, service: &str, rest: &str) -> Json {
        join([
            json!(format!("arn:aws:{service}:")),
            self.region.clone(),
            json!(":"),
            lookup("aws.account_id"),
            json!(format!(":{rest}")),
        ])
    }

    /// The ARN of the SSM parameter that holds a secret (`…:parameter/PROJECT/STACK/NAME`).
    pub(super) fn secret_parameter_arn(&self, secret: &str) -> Json {
        // The name starts with `/`, which the ARN's `parameter` part already ends with.
        let name = self.namer.ssm_parameter(secret);
        self.account_arn("ssm", &format!("parameter{name}"))
    }

    /// The family of a task as an ARN without a revision: what RunTask takes to start the
    /// latest revision.
    fn task_family_arn(&self, task: &str) -> Json {
        let family = self.namer.task_family(task);
        self.account_arn("ecs", &format!("task-definition/{family}"))
    }

    /// What `runs`, `invokes` and `reads SECRET` grant, added to the role of the code that
    /// holds them (a function's role, a task's task role).
    pub(super) fn compute_policy(&self, r: &ResourceModel, policy: &mut PolicyBuilder) {
        for access in &r.access {
            let target = access.bucket.as_str();
            match (access.mode, self.kind_of(target)) {
                (AccessMode::Runs, Some(ResourceKind::Task)) => {
                    // Every revision of the family: RunTask of the family starts the latest.
                    policy.allow_if(
                        &["ecs:RunTask"],
                        &join([self.task_family_arn(target), json!(":*")]),
                        json!({"ArnEquals": {"ecs:cluster": output_ref(CLUSTER_ID, "arn")}}),
                    );
                    for role in ["execution-role", "task-role"] {
                        policy.allow_if(
                            &["iam:PassRole"],
                            &output_ref(&format!("{target}/{role}"), "arn"),
                            json!({"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
                        );
                    }
                }
                (AccessMode::Invokes, Some(ResourceKind::Function)) => {
                    policy.allow(&["lambda:InvokeFunction"], &output_ref(target, "arn"));
                }
                (AccessMode::Reads, Some(ResourceKind::Secret)) => {
                    policy.allow(&["ssm:GetParameter"], &self.secret_parameter_arn(target));
                    // SecureStrings are encrypted with the account's `aws/ssm` key; decrypting
                    // is allowed only when SSM asks on the code's behalf, and only with it.
                    policy.allow_if(
                        &["kms:Decrypt"],
                        &self.account_arn("kms", "key/*"),
                        json!({
                            "StringEquals": {
                                "kms:ViaService": join([json!("ssm."), self.region.clone(), json!(".amazonaws.com")]),
                            },
                            "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/aws/ssm"},
                        }),
                    );
                }
                _ => {}
            }
        }
    }

    /// The environment variables `runs` and `invokes` add, by name.
    pub(super) fn added_environment(&self, r: &ResourceModel) -> BTreeMap<String, Text> {
        let mut out = BTreeMap::new();
        for access in &r.access {
            let target = access.bucket.as_str();
            let fits = match access.mode {
                AccessMode::Runs => self.kind_of(target) == Some(ResourceKind::Task),
                AccessMode::Invokes => self.kind_of(target) == Some(ResourceKind::Function),
                AccessMode::Reads | AccessMode::Writes => false,
            };
            if !fits {
                continue;
            }
            for var in added_env(access.mode, target) {
                let value = match var.value {
                    AddedValue::Cluster => to_text(output_ref(CLUSTER_ID, "arn")),
                    AddedValue::TaskDefinition => to_text(self.task_family_arn(target)),
                    AddedValue::Container => Text::from(target),
                    AddedValue::Subnets => {
                        let subnets = &self.project.settings.subnets;
                        if subnets.is_empty() {
                            // A list in a join is written comma-separated.
                            to_text(json!({"$join": [lookup("default_vpc.subnet_ids")]}))
                        } else {
                            Text::from(subnets.join(","))
                        }
                    }
                    AddedValue::SecurityGroups => {
                        Text::from(self.project.settings.security_groups.join(","))
                    }
                    AddedValue::Function => Text::from(self.namer.lambda_function(target)),
                };
                out.insert(var.name, value);
            }
        }
        out
    }

    /// A container's `secrets` entries (its `env` entries that are a secret's whole value),
    /// with the execution role granted `ssm:GetParameters` on exactly those parameters: ECS
    /// reads them, as that role, when the container starts. Tasks use this, and so can any
    /// kind that runs as an ECS container.
    pub(super) fn container_secrets_granted(
        &self,
        r: &ResourceModel,
        exec_policy: &mut PolicyBuilder,
    ) -> Vec<ContainerSecret> {
        self.container_secrets(r)
            .into_iter()
            .map(|(entry, secret)| {
                exec_policy.allow(&["ssm:GetParameters"], &self.secret_parameter_arn(&secret));
                entry
            })
            .collect()
    }

    /// A task's `env` entries that are a secret's whole value, as ECS `secrets` entries, each
    /// with the secret it reads.
    fn container_secrets(&self, r: &ResourceModel) -> Vec<(ContainerSecret, String)> {
        let Some(Value::Map(entries)) = r.get("env") else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(name, value)| {
                let secret = self.secret_of(value)?;
                Some((
                    ContainerSecret {
                        name: name.to_string(),
                        value_from: to_text(self.secret_parameter_arn(secret)),
                    },
                    secret.to_string(),
                ))
            })
            .collect()
    }

    /// The secret whose value `value` is, when it is exactly one.
    pub(super) fn secret_of<'v>(&self, value: &'v Value) -> Option<&'v str> {
        match value {
            Value::Str(segments) => match segments.as_slice() {
                [StrSegment::Ref { resource, attr }]
                    if attr == "value" && self.kind_of(resource) == Some(ResourceKind::Secret) =>
                {
                    Some(resource)
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// The secrets a program uses, sorted: those a task's `env` takes the value of and those a
/// `reads` names. Each must have a value in the stack before a deploy (the parameter is not
/// the plan's to make); a secret declared and used nowhere needs none.
pub fn used_secrets(model: &Model) -> Vec<String> {
    let is_secret = |name: &str| {
        model
            .resource(name)
            .is_some_and(|r| r.kind == ResourceKind::Secret)
    };
    let mut out = BTreeSet::new();
    for r in &model.resources {
        for access in &r.access {
            if access.mode == AccessMode::Reads && is_secret(&access.bucket) {
                out.insert(access.bucket.clone());
            }
        }
        if let Some(Value::Map(entries)) = r.get("env") {
            for value in entries.values() {
                if let Value::Str(segments) = value {
                    for segment in segments {
                        if let StrSegment::Ref { resource, attr } = segment {
                            if attr == "value" && is_secret(resource) {
                                out.insert(resource.clone());
                            }
                        }
                    }
                }
            }
        }
    }
    out.into_iter().map(String::from).collect()
}
