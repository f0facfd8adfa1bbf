//! Lowering: a checked [`Model`] becomes the [`ResourceGraph`] of every AWS resource it needs.
//! `docs/plan.md` lists what each declaration makes; this module and its children (one a kind:
//! `bucket`, `function`, `task`, `schedule`, `service`, `trigger`; `compute` for what `runs`,
//! `invokes` and secrets add to any compute) are the one place that decides it.
//!
//! Lowering expects a program without errors (the CLI refuses to plan one); what it can still
//! find wrong (a `code` folder that vanished since the check, resources that refer to each
//! other in a circle) comes back as [`LowerProblem`]s beside the graph.

use crate::graph::FastMap as HashMap;
use crate::graph::{join, lookup, output_ref, Node, Origin, ResourceGraph};
use crate::hash::{content_hash, content_hash_sized, relative_display, too_big_for_lambda};
use crate::names::{Namer, StackNames};
use crate::policy::{bucket_arn, grant_access, trust_policy, PolicyBuilder};
use crate::props::{Deferred, Input, LogGroupProps, LookupRef, OutputRef, RoleProps, Tags, Text};
use infrac_check::model::{
    format_duration, format_size, Model, ResourceModel, StrSegment, TriggerModel, Value,
};
use infrac_check::{FileSystem, Project};
use infrac_syntax::ast::{AccessMode, ResourceKind, TargetKind};
use infrac_syntax::{FileId, Span};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

mod compute;

pub use compute::used_secrets;

/// The id of the one ECS cluster a stack's tasks share. A `-` cannot appear in a declaration
/// name, so it cannot clash with one.
pub const CLUSTER_ID: &str = "ecs-cluster";

/// Something lowering could not do, at the declaration (or attribute) that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LowerProblem {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// The graph and what went wrong making it.
#[derive(Debug)]
pub struct Lowered {
    pub graph: ResourceGraph,
    pub problems: Vec<LowerProblem>,
}

/// Lowers a checked program for one stack never deployed (its bucket names end in
/// [`crate::names::RANDOM_SUFFIX`]). `fs` is read only to hash `code` and `build` folders.
pub fn lower_program(
    project: &Project,
    model: &Model,
    fs: &dyn FileSystem,
    stack: &str,
) -> Lowered {
    lower_program_for(project, model, fs, &StackNames::new(stack))
}

/// Lowers a checked program for one stack with the names of its state
/// ([`StackNames::of_state`]): its instance id and the names its buckets were created with.
pub fn lower_program_for(
    project: &Project,
    model: &Model,
    fs: &dyn FileSystem,
    names: &StackNames,
) -> Lowered {
    let mut lowering = Lowering::new(project, model, fs, names);
    // A program with errors (the language server lowers those too) may hold triggers whose
    // source or target is missing or of another kind: they are left out, not guessed at.
    let triggers: Vec<&TriggerModel> = model
        .triggers
        .iter()
        .filter(|t| lowering.trigger_resolves(t))
        .collect();
    for trigger in &triggers {
        lowering
            .triggers_by_source
            .entry(trigger.source.as_str())
            .or_default()
            .push(trigger);
    }
    // A name declared twice is an error the checker reports; the first declaration stands.
    let mut seen = std::collections::HashSet::new();
    let resources: Vec<&ResourceModel> = model
        .resources
        .iter()
        .filter(|r| seen.insert(r.name.as_str()))
        .collect();
    for &resource in &resources {
        match resource.kind {
            ResourceKind::Bucket => lowering.bucket(resource),
            ResourceKind::Function => lowering.function(resource),
            ResourceKind::Task => lowering.task(resource),
            ResourceKind::Schedule => lowering.schedule(resource),
            ResourceKind::Service => lowering.service(resource),
            // A secret's parameter is not the program's: `infrac secret set` writes it, and
            // plan and deploy check that it exists.
            ResourceKind::Secret => {}
        }
    }
    for trigger in triggers {
        lowering.trigger(trigger);
    }
    for &resource in &resources {
        if resource.kind == ResourceKind::Bucket {
            lowering.bucket_notifications(resource);
        }
    }
    lowering.check_graph();
    Lowered {
        graph: lowering.graph,
        problems: lowering.problems,
    }
}

/// The program's outputs (`output NAME = VALUE`), each as the string it stands for, with
/// values known only at deploy kept as references for the deploy engine to resolve.
pub fn lower_outputs(
    project: &Project,
    model: &Model,
    fs: &dyn FileSystem,
    names: &StackNames,
) -> Vec<(String, Json)> {
    let lowering = Lowering::new(project, model, fs, names);
    let no_event = |field: &str| Json::String(format!("${{event.{field}}}"));
    model
        .outputs
        .iter()
        .map(|o| {
            (
                o.name.to_string(),
                lowering.string_value(&o.value, &no_event),
            )
        })
        .collect()
}

struct Lowering<'a> {
    project: &'a Project,
    fs: &'a dyn FileSystem,
    namer: Namer,
    graph: ResourceGraph,
    problems: Vec<LowerProblem>,
    /// Content hashes by folder: many functions may share one.
    hashes: HashMap<PathBuf, Option<String>>,
    region: Json,
    triggers_by_source: HashMap<&'a str, Vec<&'a TriggerModel>>,
    /// Declarations by name (the model keeps a list).
    resources: HashMap<&'a str, &'a ResourceModel>,
    /// Bucket names by declaration: each is a hash, and many nodes name each bucket.
    bucket_names: HashMap<&'a str, String>,
}

/// The AWS event type a bucket event is, for S3 notifications and for EventBridge.
fn s3_event(event: &str) -> (&'static str, &'static str) {
    if event == "on_delete" {
        ("s3:ObjectRemoved:*", "Object Deleted")
    } else {
        ("s3:ObjectCreated:*", "Object Created")
    }
}

/// Where an event field is in the EventBridge event that carries it.
fn event_field_path(source_kind: ResourceKind, field: &str) -> &'static str {
    match (source_kind, field) {
        (ResourceKind::Bucket, "key") => "$.detail.object.key",
        (ResourceKind::Bucket, "bucket") => "$.detail.bucket.name",
        (ResourceKind::Bucket, "size") => "$.detail.object.size",
        (_, "time") => "$.time",
        _ => "$.detail",
    }
}

fn arch_platform(arch: &str) -> (&'static str, &'static str) {
    if arch == "arm64" {
        ("ARM64", "linux/arm64")
    } else {
        ("X86_64", "linux/amd64")
    }
}

/// The text inside a JSON string literal (`a"b` -> `a\"b`), for input templates.
fn json_string_body(text: &str) -> String {
    let quoted = Json::String(text.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// The repository ARN of an image in a private ECR registry
/// (`123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag`), which the execution role must
/// be allowed to pull; `None` for any other registry.
fn private_ecr_repository_arn(image: &str) -> Option<String> {
    let (host, rest) = image.split_once('/')?;
    let mut parts = host.split('.');
    let account = parts.next()?;
    if !(account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let (dkr, ecr, region) = (parts.next()?, parts.next()?, parts.next()?);
    let tail: Vec<&str> = parts.collect();
    let partition = match tail.as_slice() {
        ["amazonaws", "com"] => "aws",
        ["amazonaws", "com", "cn"] => "aws-cn",
        _ => return None,
    };
    if dkr != "dkr" || ecr != "ecr" {
        return None;
    }
    let repo = rest.split('@').next()?;
    // A tag follows the last `:` after the last `/`.
    let repo = match repo.rfind(':') {
        Some(i) if !repo[i..].contains('/') => &repo[..i],
        _ => repo,
    };
    Some(format!(
        "arn:{partition}:ecr:{region}:{account}:repository/{repo}"
    ))
}

impl<'a> Lowering<'a> {
    fn new(
        project: &'a Project,
        model: &'a Model,
        fs: &'a dyn FileSystem,
        names: &StackNames,
    ) -> Self {
        let namer = Namer::new(&project.settings.name, &names.stack)
            .with_instance(names.instance.as_deref());
        Lowering {
            project,
            fs,
            graph: ResourceGraph::new(project.settings.name.clone(), &names.stack),
            problems: Vec::new(),
            hashes: HashMap::default(),
            region: project
                .settings
                .region
                .as_ref()
                .map_or_else(|| lookup("aws.region"), |r| Json::String(r.clone())),
            triggers_by_source: HashMap::default(),
            resources: model
                .resources
                .iter()
                .map(|r| (r.name.as_str(), r))
                .collect(),
            bucket_names: model
                .resources
                .iter()
                .filter(|r| r.kind == ResourceKind::Bucket)
                .map(|r| {
                    let name = names
                        .buckets
                        .get(r.name.as_str())
                        .cloned()
                        .unwrap_or_else(|| namer.s3_bucket(&r.name));
                    (r.name.as_str(), name)
                })
                .collect(),
            namer,
        }
    }
}

impl Lowering<'_> {
    fn problem(&mut self, file: FileId, span: Span, message: impl Into<String>) {
        self.problems.push(LowerProblem {
            file,
            span,
            message: message.into(),
        });
    }

    fn add(&mut self, node: Node) {
        if let Err(node) = self.graph.add(node) {
            let (file, span) = (node.origin.file_id, node.origin.span);
            self.problem(
                file,
                span,
                format!(
                    "two resources would have the id `{}`; this is a bug in infrac",
                    node.id
                ),
            );
        }
    }

    fn origin(&self, file: FileId, span: Span, declaration: &str, title: String) -> Arc<Origin> {
        let source = self.project.file(file);
        Arc::new(Origin {
            file_id: file,
            file: relative_display(&self.project.root, &source.path),
            line: source
                .line_index()
                .line_col(&source.text, span.start())
                .line,
            span,
            declaration: declaration.to_string(),
            title,
        })
    }

    fn resource_origin(&self, r: &ResourceModel) -> Arc<Origin> {
        self.origin(
            r.file,
            r.span,
            &r.name,
            format!("{} {}", r.kind.keyword(), r.name),
        )
    }

    fn trigger_origin(&self, t: &TriggerModel) -> Arc<Origin> {
        let pattern = t
            .pattern_text
            .as_ref()
            .map(|p| Json::String(p.clone()).to_string())
            .unwrap_or_default();
        let kind = match t.target_kind {
            TargetKind::Function => "function",
            TargetKind::Task => "task",
        };
        self.origin(
            t.file,
            t.span,
            &t.id(),
            format!("{}.{}({pattern}) -> {kind} {}", t.source, t.event, t.target),
        )
    }

    fn tags(&self, id: &str) -> Tags {
        Tags::from([
            ("infrac:id".to_string(), id.to_string()),
            (
                "infrac:project".to_string(),
                self.project.settings.name.clone(),
            ),
            ("infrac:stack".to_string(), self.graph.stack.clone()),
        ])
    }

    fn attr(r: &ResourceModel, name: &str) -> Option<Value> {
        r.get(name)
    }

    fn attr_str(r: &ResourceModel, name: &str) -> Option<String> {
        r.get(name).and_then(|v| v.as_literal_str())
    }

    fn attr_span(r: &ResourceModel, name: &str) -> Span {
        r.attrs.get(name).map_or(r.name_span, |(_, span)| *span)
    }

    /// Whether a trigger's source and target are declared with the kinds it names.
    fn trigger_resolves(&self, t: &TriggerModel) -> bool {
        let source_ok = matches!(t.source_kind, ResourceKind::Bucket | ResourceKind::Schedule)
            && self
                .resources
                .get(t.source.as_str())
                .is_some_and(|r| r.kind == t.source_kind);
        let target_ok = self
            .resources
            .get(t.target.as_str())
            .is_some_and(|r| r.kind == t.target_kind.resource_kind());
        source_ok && target_ok
    }

    /// The subnets tasks and load balancers run in: the stack's (`[network] subnets`), or the
    /// default VPC's, looked up at deploy.
    fn subnets(&self) -> Input<Vec<String>> {
        let settings = &self.project.settings;
        if settings.subnets.is_empty() {
            Input::Deferred(Deferred::Lookup(LookupRef {
                name: "default_vpc.subnet_ids".into(),
            }))
        } else {
            Input::Known(settings.subnets.clone())
        }
    }

    /// A bucket's physical name.
    fn bucket_name(&self, declaration: &str) -> String {
        self.bucket_names
            .get(declaration)
            .cloned()
            .unwrap_or_else(|| self.namer.s3_bucket(declaration))
    }

    // ---- values --------------------------------------------------------------------------

    /// A resource's value (`media.name`, `ffmpeg.arn`): names are known now, since they are
    /// made from the declaration; ARNs other than a bucket's exist only after create.
    fn resource_value(&self, resource: &str, attr: &str) -> Json {
        let Some(r) = self.resources.get(resource) else {
            return Json::String(format!("${{{resource}.{attr}}}"));
        };
        match (r.kind, attr) {
            (ResourceKind::Bucket, "arn") => Json::String(bucket_arn(&self.bucket_name(resource))),
            (ResourceKind::Bucket, _) => Json::String(self.bucket_name(resource)),
            (ResourceKind::Function | ResourceKind::Schedule, "arn") => output_ref(resource, "arn"),
            (ResourceKind::Function, _) => Json::String(self.namer.lambda_function(resource)),
            (ResourceKind::Task, "arn") => output_ref(&format!("{resource}/definition"), "arn"),
            (ResourceKind::Task, _) => Json::String(self.namer.task_family(resource)),
            (ResourceKind::Schedule, _) => Json::String(self.namer.events_rule(resource)),
            (ResourceKind::Service, "arn") => output_ref(resource, "arn"),
            (ResourceKind::Service, "url") => {
                output_ref(&format!("{resource}/load-balancer"), "url")
            }
            (ResourceKind::Service, _) => Json::String(self.namer.ecs_service(resource)),
            (ResourceKind::Secret, "name") => Json::String(self.namer.ssm_parameter(resource)),
            // A secret's value is never known to infrac: only ECS reads it (the checker lets
            // it be nothing but a task's `secrets` entry).
            (ResourceKind::Secret, _) => Json::String(format!("${{{resource}.{attr}}}")),
        }
    }

    /// A value as the string an environment variable holds. `event` says how an event field
    /// is written where one is allowed (an input template placeholder); elsewhere the checker
    /// has already refused it.
    fn string_value(&self, value: &Value, event: &dyn Fn(&str) -> Json) -> Json {
        match value {
            Value::Str(segments) => join(segments.iter().map(|s| match s {
                StrSegment::Text(t) => Json::String(t.to_string()),
                StrSegment::Ref { resource, attr } => self.resource_value(resource, attr),
                StrSegment::Event(field) => event(field),
            })),
            Value::Int(i) => Json::String(i.to_string()),
            Value::Bool(b) => Json::String(b.to_string()),
            Value::Duration(s) => Json::String(format_duration(*s)),
            Value::Size(mb) => Json::String(format_size(*mb)),
            Value::Resource(_, name) => self.resource_value(name, "name"),
            Value::EventInt(field) => event(field),
            Value::List(_) | Value::Map(_) => Json::String(value.source_text()),
        }
    }

    /// The environment a function or container gets: its `env` (less the secrets a
    /// container gets through `secrets`), and the variables its `runs` and `invokes` add.
    fn env_map(&self, r: &ResourceModel) -> BTreeMap<String, Text> {
        let no_event = |field: &str| Json::String(format!("${{event.{field}}}"));
        let mut env = match Self::attr(r, "env") {
            Some(Value::Map(entries)) => entries
                .iter()
                .filter(|(_, v)| self.secret_of(v).is_none())
                .map(|(k, v)| (k.to_string(), to_text(self.string_value(v, &no_event))))
                .collect(),
            _ => BTreeMap::new(),
        };
        env.extend(self.added_environment(r));
        env
    }

    /// The content hash of a `code` or `build` path, relative to the declaring file.
    fn hash_of(&mut self, r: &ResourceModel, attr: &str) -> (String, Option<String>) {
        let relative = Self::attr_str(r, attr).unwrap_or_default();
        let full = self.project.dir_of(r.file).join(&relative);
        let shown = relative_display(&self.project.root, &full);
        let hash = if let Some(hash) = self.hashes.get(&full) {
            hash.clone()
        } else {
            // A function's code must fit Lambda's zip limit: checked here, where the walk that
            // hashes it reads every byte anyway, so plan and deploy stop before any change.
            // (The language server hashes off its request path and skips this.)
            let mut too_big = None;
            let hashed = self.fs.cached_content_hash(&full).unwrap_or_else(|| {
                if attr != "code" {
                    return content_hash(self.fs, &full);
                }
                content_hash_sized(self.fs, &full).map(|(hash, size)| {
                    too_big = too_big_for_lambda(&relative, &size);
                    hash
                })
            });
            let span = Self::attr_span(r, attr);
            if let Some(message) = too_big {
                self.problem(r.file, span, message);
            }
            let hash = match hashed {
                Ok(hash) => Some(hash),
                Err(err) => {
                    self.problem(r.file, span, format!("cannot read `{relative}`: {err}"));
                    None
                }
            };
            self.hashes.insert(full, hash.clone());
            hash
        };
        (shown, hash)
    }

    // ---- access, roles and logs (functions, tasks and services) --------------------------

    fn access_policy(&self, r: &ResourceModel, policy: &mut PolicyBuilder) {
        let buckets = r.access.iter().filter(|a| {
            matches!(a.mode, AccessMode::Reads | AccessMode::Writes)
                && self
                    .resources
                    .get(a.bucket.as_str())
                    .is_some_and(|b| b.kind == ResourceKind::Bucket)
        });
        for access in buckets {
            grant_access(policy, access, &self.bucket_name(&access.bucket));
        }
        self.compute_policy(r, policy);
    }

    fn role(
        &mut self,
        id: &str,
        name: String,
        service: &str,
        policy: &PolicyBuilder,
        origin: &Arc<Origin>,
    ) {
        let mut policies = BTreeMap::new();
        if let Some(document) = policy.document() {
            policies.insert("infrac".to_string(), document);
        }
        let props = RoleProps {
            name: name.clone(),
            assume_role_policy: trust_policy(service),
            policies,
            tags: self.tags(id),
        };
        self.add(Node::typed(id, name, &props, &[], origin));
    }

    fn log_group(&mut self, id: &str, name: String, origin: &Arc<Origin>) {
        let props = LogGroupProps {
            name: name.clone(),
            tags: self.tags(id),
        };
        self.add(Node::typed(id, name, &props, &[], origin));
    }

    /// Writing to a log group's streams, the least a Lambda function or a container's log
    /// driver needs. The group's ARN is `…:log-group:NAME`; its streams are under it.
    fn allow_logs(policy: &mut PolicyBuilder, logs_id: &str) {
        policy.allow(
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            &join([output_ref(logs_id, "arn"), json!(":log-stream:*")]),
        );
    }

    // ---- checks --------------------------------------------------------------------------

    fn check_graph(&mut self) {
        if let Err(cycle) = self.graph.order() {
            let first = cycle
                .ids
                .first()
                .and_then(|id| self.graph.get(id))
                .map(|n| (n.origin.file_id, n.origin.span));
            if let Some((file, span)) = first {
                self.problem(
                    file,
                    span,
                    format!(
                        "these resources need each other to exist first, so none can be created: {}. A resource's `arn` is known only after it is created; break the circle by not passing one of them an ARN.",
                        cycle.ids.join(", ")
                    ),
                );
            }
        }
        for (node, dependency) in self.graph.dangling() {
            if let Some(n) = self.graph.get(&node) {
                let (file, span) = (n.origin.file_id, n.origin.span);
                self.problem(
                    file,
                    span,
                    format!("`{node}` depends on `{dependency}`, which is not planned; this is a bug in infrac"),
                );
            }
        }
    }
}

/// `{"$ref": node, "attr": attr}` as a typed input.
fn output_text(node: &str, attr: &str) -> Text {
    Input::Deferred(Deferred::Output(OutputRef {
        node: node.to_string(),
        attr: attr.to_string(),
    }))
}

/// A string value as lowering builds one (text, a reference, a lookup or a join) as a typed
/// input. Anything else cannot come from [`Lowering::string_value`]; it is kept as its text.
fn to_text(value: Json) -> Text {
    match value {
        Json::String(text) => Input::Known(text),
        other => Text::from_json(other.clone()).unwrap_or_else(|| Input::Known(other.to_string())),
    }
}

/// Every event field a value uses.
fn collect_event_fields(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::Str(segments) => {
            for s in segments {
                if let StrSegment::Event(field) = s {
                    f(field);
                }
            }
        }
        Value::EventInt(field) => f(field),
        _ => {}
    }
}

/// A literal part of an EventBridge `wildcard` filter.
fn escape_wildcard(text: &str) -> String {
    text.replace('\\', "\\\\").replace('*', "\\*")
}

mod bucket;
mod function;
mod schedule;
mod service;
mod task;
mod trigger;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ecr_images_name_their_repository() {
        assert_eq!(
            private_ecr_repository_arn("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2"),
            Some("arn:aws:ecr:eu-west-1:123456789012:repository/team/app".into())
        );
        assert_eq!(
            private_ecr_repository_arn(
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app@sha256:ab"
            ),
            Some("arn:aws-cn:ecr:cn-north-1:123456789012:repository/app".into())
        );
        assert_eq!(
            private_ecr_repository_arn("public.ecr.aws/docker/library/alpine:3.20"),
            None
        );
        assert_eq!(private_ecr_repository_arn("alpine"), None);
        assert_eq!(private_ecr_repository_arn("localhost:5000/app"), None);
    }

    #[test]
    fn wildcard_escapes() {
        assert_eq!(escape_wildcard(r"a\b"), r"a\\b");
    }
}
