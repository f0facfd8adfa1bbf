//! Lowering of a `task`: the stack's cluster, log group, roles, repository and image with
//! `build`, and the task definition. A `service` starts with the same resources.

use super::{
    arch_platform, output_text, private_ecr_repository_arn, service, to_text, Lowering, CLUSTER_ID,
};
use crate::graph::{join, output_ref, Node};
use crate::policy::PolicyBuilder;
use crate::props::{
    ClusterProps, ContainerDefinition, ContentRef, EnvironmentVariable, EphemeralStorage,
    ImageProps, LogConfiguration, PortMapping, RepositoryProps, RuntimePlatform,
    TaskDefinitionProps, Text,
};
use infrac_check::model::{ResourceModel, Value};
use infrac_syntax::ast::ResourceKind;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

impl Lowering<'_> {
    /// A task's resources: the stack's cluster, log group, roles (granted the declaration's
    /// `reads` and `writes`), repository and image with `build`, and the task definition. A
    /// service makes the same ones, with its `port` mapped.
    pub(super) fn task(&mut self, r: &ResourceModel) {
        let origin = self.resource_origin(r);
        if !self.graph.contains(CLUSTER_ID) {
            let name = self.namer.ecs_cluster();
            let props = ClusterProps {
                name: name.clone(),
                tags: self.tags(CLUSTER_ID),
            };
            self.add(Node::typed(CLUSTER_ID, name, &props, &[], &origin));
        }
        let t = r.name.as_str();
        let logs_id = format!("{t}/logs");
        let exec_id = format!("{t}/execution-role");
        let task_role_id = format!("{t}/task-role");
        let repo_id = format!("{t}/repository");
        let image_id = format!("{t}/image");
        let def_id = format!("{t}/definition");
        let arch = Self::attr_str(r, "arch").unwrap_or_else(|| "x86_64".into());
        let (cpu_architecture, platform) = arch_platform(&arch);

        let log_group = self.namer.task_log_group(t);
        self.log_group(&logs_id, log_group.clone(), &origin);

        let mut depends: Vec<&str> = vec![logs_id.as_str()];
        let mut exec_policy = PolicyBuilder::new();
        Self::allow_logs(&mut exec_policy, &logs_id);
        let image = if Self::attr_str(r, "build").is_some() {
            let repo_name = self.namer.ecr_repository(t);
            let props = RepositoryProps {
                name: repo_name.clone(),
                image_tag_mutability: "MUTABLE".into(),
                scan_on_push: true,
                // Its images are build outputs of this stack, rebuilt from the folder at will.
                force_delete: true,
                tags: self.tags(&repo_id),
            };
            self.add(Node::typed(
                &repo_id,
                repo_name.clone(),
                &props,
                &[],
                &origin,
            ));

            let (context, hash) = self.hash_of(r, "build");
            let tag: String = hash
                .as_deref()
                .map_or_else(String::new, |h| h.chars().take(16).collect());
            let props = ImageProps {
                repository: repo_name.clone(),
                repository_url: output_text(&repo_id, "url"),
                tag: tag.clone(),
                platform: platform.to_string(),
                context: ContentRef {
                    path: context,
                    sha256: hash,
                },
                dockerfile: "Dockerfile".into(),
            };
            self.add(Node::typed(
                &image_id,
                format!("{repo_name}:{tag}"),
                &props,
                &[],
                &origin,
            ));
            exec_policy.allow(
                &[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                &output_ref(&repo_id, "arn"),
            );
            // AWS defines GetAuthorizationToken on no resource: `*` is the only form it takes.
            exec_policy.allow(&["ecr:GetAuthorizationToken"], &json!("*"));
            depends.push(image_id.as_str());
            to_text(join([
                output_ref(&repo_id, "url"),
                json!(format!(":{tag}")),
            ]))
        } else {
            let image = Self::attr_str(r, "image").unwrap_or_default();
            if let Some(arn) = private_ecr_repository_arn(&image) {
                exec_policy.allow(
                    &[
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ],
                    &json!(arn),
                );
                exec_policy.allow(&["ecr:GetAuthorizationToken"], &json!("*"));
            }
            Text::from(image)
        };
        let secrets = self.container_secrets_granted(r, &mut exec_policy);
        let exec_name = self.namer.iam_role(t, "exec");
        self.role(
            &exec_id,
            exec_name,
            "ecs-tasks.amazonaws.com",
            &exec_policy,
            &origin,
        );

        let mut task_policy = PolicyBuilder::new();
        self.access_policy(r, &mut task_policy);
        let task_role_name = self.namer.iam_role(t, "task");
        self.role(
            &task_role_id,
            task_role_name,
            "ecs-tasks.amazonaws.com",
            &task_policy,
            &origin,
        );

        let environment = self
            .env_map(r)
            .into_iter()
            .map(|(name, value)| EnvironmentVariable { name, value })
            .collect();
        let command = match Self::attr(r, "command") {
            Some(Value::List(items)) => {
                let no_event = |field: &str| Json::String(format!("${{event.{field}}}"));
                Some(
                    items
                        .iter()
                        .map(|v| to_text(self.string_value(v, &no_event)))
                        .collect(),
                )
            }
            _ => None,
        };
        let port_mappings = (r.kind == ResourceKind::Service).then(|| {
            vec![PortMapping {
                container_port: service::container_port(r),
                protocol: "tcp".into(),
            }]
        });
        let container = ContainerDefinition {
            name: t.to_string(),
            image,
            essential: true,
            command,
            environment,
            port_mappings,
            secrets,
            log_configuration: LogConfiguration {
                log_driver: "awslogs".into(),
                options: BTreeMap::from([
                    ("awslogs-group".to_string(), Text::from(log_group)),
                    ("awslogs-region".to_string(), to_text(self.region.clone())),
                    ("awslogs-stream-prefix".to_string(), Text::from(t)),
                ]),
            },
        };
        let family = self.namer.task_family(t);
        // Fargate gives 20 GiB unless asked; AWS accepts an explicit size only from 21 GiB.
        let ephemeral_storage = match r.attrs.get("storage") {
            // Whole GiB, never less than asked.
            Some((Value::Size(mb), _)) => Some(EphemeralStorage {
                size_in_gib: mb.div_ceil(1024),
            }),
            _ => None,
        };
        let props = TaskDefinitionProps {
            family: family.clone(),
            cpu: Self::attr(r, "cpu").and_then(|v| v.as_int()).unwrap_or(256),
            memory: match Self::attr(r, "memory") {
                Some(Value::Size(mb)) => mb,
                _ => 512,
            },
            network_mode: "awsvpc".into(),
            requires_compatibilities: vec!["FARGATE".into()],
            runtime_platform: RuntimePlatform {
                cpu_architecture: cpu_architecture.into(),
                operating_system_family: "LINUX".into(),
            },
            execution_role_arn: output_text(&exec_id, "arn"),
            task_role_arn: output_text(&task_role_id, "arn"),
            container_definitions: vec![container],
            ephemeral_storage,
            tags: self.tags(&def_id),
        };
        self.add(Node::typed(&def_id, family, &props, &depends, &origin));
    }
}
