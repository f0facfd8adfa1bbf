//! What the language server shows on hover over a declaration: the AWS resources it plans,
//! with their names, key settings and IAM statements, as plain data (no LSP types).

use crate::graph::{describe, ResourceGraph, ResourceType};
use crate::lower::lower_program;
use infrac_check::{FileSystem, Model, Project};
use serde_json::Value;

/// One planned resource of a declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedResource {
    pub id: String,
    pub ty: ResourceType,
    /// The physical name.
    pub name: String,
    /// Its top-level inputs other than name, tags and policies, in words:
    /// `("memory", "128")`, `("role_arn", "{on_thumbnail/role.arn}")`.
    pub settings: Vec<(String, String)>,
    /// For a role: what it allows, statement by statement.
    pub statements: Vec<PolicyStatement>,
    /// For a role: the service that may assume it.
    pub trusted_service: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyStatement {
    pub actions: Vec<String>,
    /// ARNs, with what is known only at deploy in braces: `{ffmpeg/logs.arn}:log-stream:*`.
    pub resources: Vec<String>,
    /// The condition as JSON, when there is one.
    pub condition: Option<String>,
}

/// The resources the declaration `name` (a resource name, or a trigger's id such as
/// `media.on_put(.mp4)->ffmpeg`) plans, lowering the whole program for `stack`.
pub fn planned_resources(
    project: &Project,
    model: &Model,
    fs: &dyn FileSystem,
    stack: &str,
    name: &str,
) -> Vec<PlannedResource> {
    let lowered = lower_program(project, model, fs, stack);
    declaration_resources(&lowered.graph, name)
}

/// The resources of one declaration in an already lowered graph.
pub fn declaration_resources(graph: &ResourceGraph, declaration: &str) -> Vec<PlannedResource> {
    graph
        .nodes()
        .iter()
        .filter(|n| n.origin.declaration == declaration)
        .map(planned_resource)
        .collect()
}

/// Every declaration's resources, in one pass over the graph (for a language server that keeps
/// these and drops the graph).
pub fn resources_by_declaration(
    graph: &ResourceGraph,
) -> std::collections::HashMap<String, Vec<PlannedResource>> {
    let mut out: std::collections::HashMap<String, Vec<PlannedResource>> =
        std::collections::HashMap::new();
    for node in graph.nodes() {
        out.entry(node.origin.declaration.clone())
            .or_default()
            .push(planned_resource(node));
    }
    out
}

fn planned_resource(n: &crate::graph::Node) -> PlannedResource {
    let mut settings = Vec::new();
    let mut statements = Vec::new();
    let mut trusted_service = None;
    if let Value::Object(props) = n.properties.as_ref() {
        for (key, value) in props {
            match key.as_str() {
                "name" | "tags" => {}
                "policies" => statements = policy_statements(value),
                "assume_role_policy" => {
                    trusted_service = value
                        .pointer("/Statement/0/Principal/Service")
                        .and_then(Value::as_str)
                        .map(String::from);
                }
                _ => settings.push((key.clone(), describe(value))),
            }
        }
    }
    PlannedResource {
        id: n.id.clone(),
        ty: n.ty,
        name: n.name.clone(),
        settings,
        statements,
        trusted_service,
    }
}

fn policy_statements(policies: &Value) -> Vec<PolicyStatement> {
    let mut out = Vec::new();
    let Value::Object(documents) = policies else {
        return out;
    };
    for document in documents.values() {
        let Some(Value::Array(list)) = document.get("Statement") else {
            continue;
        };
        for statement in list {
            let strings = |key: &str| -> Vec<String> {
                match statement.get(key) {
                    Some(Value::Array(items)) => items.iter().map(describe).collect(),
                    Some(v) => vec![describe(v)],
                    None => Vec::new(),
                }
            };
            out.push(PolicyStatement {
                actions: strings("Action"),
                resources: strings("Resource"),
                condition: statement.get("Condition").map(describe),
            });
        }
    }
    out
}
