//! The diff: a resource graph against a stack's state gives a [`Plan`] of create, update,
//! replace and delete steps, in an order that can be executed one after another.
//!
//! - A node with no applied entry in state is created (a pending entry is created again; the
//!   deploy engine adopts what a crashed run left, found by its name).
//! - A node whose inputs differ is updated, or replaced when a changed input is one its type
//!   cannot change in place ([`crate::graph::ResourceType::replace_rule`]).
//! - A node that refers to an output of a node being created or replaced (an ARN that will
//!   change) is updated to take the new value.
//! - Only a state entry whose id left the graph is deleted; deletes come last, each before
//!   the resources it depended on.

use crate::graph::{as_reference, is_deferred, FastMap, Reference, ResourceGraph};
use crate::state::{ResourceState, State, Status};
pub use crate::step::{Action, Change, Plan, PlanStep, Summary};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

/// The declaration an id belongs to: `media` of `media/notifications`,
/// `media.on_put(.mp4)->ffmpeg` of `trigger/media.on_put(.mp4)->ffmpeg/rule`.
pub fn declaration_of_id(id: &str) -> &str {
    if let Some(rest) = id.strip_prefix("trigger/") {
        return rest.rfind('/').map_or(rest, |i| &rest[..i]);
    }
    id.split('/').next().unwrap_or(id)
}

/// Compares the graph with the state.
pub fn diff(graph: &ResourceGraph, state: &State) -> Plan {
    // Lowering reports a circle as an error; should a graph with one be diffed anyway,
    // declaration order is as good as any.
    let fallback: Vec<usize>;
    let order = if let Ok(order) = graph.order() {
        order
    } else {
        fallback = (0..graph.len()).collect();
        &fallback
    };
    let entries: FastMap<&str, &ResourceState> =
        state.resources.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut actions: FastMap<&str, Action> = FastMap::default();
    let mut steps = Vec::with_capacity(graph.len());
    for &i in order {
        let node = &graph.nodes()[i];
        let entry = entries
            .get(node.id.as_str())
            .filter(|e| e.status == Status::Applied);
        let mut changes = Vec::new();
        let mut reason = None;
        let mut action = match entry {
            None => Some(Action::Create),
            Some(entry) if entry.ty != node.ty => {
                changes.push(Change {
                    path: "type".into(),
                    old: Value::String(entry.ty.as_str().into()),
                    new: Value::String(node.ty.as_str().into()),
                    forces_replace: true,
                });
                Some(Action::Replace)
            }
            Some(entry) => {
                diff_values(
                    &entry.inputs,
                    &node.properties,
                    &mut String::new(),
                    &mut changes,
                );
                outputs_that_change(&node.properties, &actions, &entries, &mut changes);
                for change in &mut changes {
                    change.forces_replace = node.ty.forces_replace(&change.path);
                }
                if entry.imported {
                    reason = Some(
                        "imported: AWS does not say all of its settings, so the deploy applies every one"
                            .to_string(),
                    );
                }
                if changes.is_empty() && !entry.imported {
                    None
                } else if changes.iter().any(|c| c.forces_replace) {
                    Some(Action::Replace)
                } else {
                    Some(Action::Update)
                }
            }
        };
        if entry.is_some() && action != Some(Action::Replace) {
            if let Some(parent) = new_parent(graph, node, &actions) {
                action = Some(Action::Replace);
                let verb = if actions.get(parent) == Some(&Action::Create) {
                    "created"
                } else {
                    "replaced"
                };
                reason = Some(format!("`{parent}` is {verb}, and this lives in it"));
            }
        }
        if let Some(action) = action {
            actions.insert(node.id.as_str(), action);
            steps.push(PlanStep {
                action,
                id: node.id.clone(),
                ty: node.ty,
                name: node.name.clone(),
                depends_on: node.depends_on.clone(),
                origin: Some(Arc::clone(&node.origin)),
                properties: Arc::clone(&node.properties),
                changes,
                declaration: node.origin.declaration.clone(),
                reason,
            });
        }
    }
    let gone: Vec<&ResourceState> = state
        .resources
        .iter()
        .filter(|r| !graph.contains(&r.id))
        .collect();
    for entry in delete_order(&gone) {
        steps.push(PlanStep {
            action: Action::Delete,
            id: entry.id.clone(),
            ty: entry.ty,
            name: entry.physical_id.clone(),
            depends_on: entry.depends_on.clone(),
            origin: None,
            properties: Arc::new(entry.inputs.clone()),
            changes: Vec::new(),
            declaration: declaration_of_id(&entry.id).to_string(),
            reason: None,
        });
    }
    let mut summary = Summary::default();
    for step in &steps {
        match step.action {
            Action::Create => summary.create += 1,
            Action::Update => summary.update += 1,
            Action::Replace => summary.replace += 1,
            Action::Delete => summary.delete += 1,
        }
    }
    let mut seen = std::collections::HashSet::new();
    let declarations = graph
        .nodes()
        .iter()
        .filter(|n| seen.insert(n.origin.declaration.as_str()))
        .map(|n| Arc::clone(&n.origin))
        .collect();
    Plan {
        project: graph.project.clone(),
        stack: graph.stack.clone(),
        steps,
        summary,
        declarations,
    }
}

/// The parent a node lives in ([`crate::graph::ResourceType::parent_type`]), when that parent is being
/// created or replaced.
fn new_parent<'g>(
    graph: &'g ResourceGraph,
    node: &'g crate::graph::Node,
    actions: &FastMap<&str, Action>,
) -> Option<&'g str> {
    let parent_type = node.ty.parent_type()?;
    node.depends_on.iter().map(String::as_str).find(|dep| {
        matches!(actions.get(dep), Some(Action::Create | Action::Replace))
            && graph.get(dep).is_some_and(|n| n.ty == parent_type)
    })
}

/// Deletes in an order where each resource goes before those it depended on; among those
/// free to go, by id, so the order is stable.
fn delete_order<'s>(gone: &[&'s ResourceState]) -> Vec<&'s ResourceState> {
    let index: HashMap<&str, usize> = gone
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    // How many resources still to delete depend on each one.
    let mut dependents = vec![0usize; gone.len()];
    for r in gone {
        for dep in &r.depends_on {
            if let Some(&d) = index.get(dep.as_str()) {
                dependents[d] += 1;
            }
        }
    }
    let mut ready: BTreeSet<(&str, usize)> = gone
        .iter()
        .enumerate()
        .filter(|&(i, _)| dependents[i] == 0)
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut out = Vec::with_capacity(gone.len());
    let mut done = vec![false; gone.len()];
    while let Some(first) = ready.pop_first() {
        let i = first.1;
        done[i] = true;
        out.push(gone[i]);
        for dep in &gone[i].depends_on {
            if let Some(&d) = index.get(dep.as_str()) {
                dependents[d] -= 1;
                if dependents[d] == 0 {
                    ready.insert((gone[d].id.as_str(), d));
                }
            }
        }
    }
    // A circle in a state file (it cannot come from a plan) is deleted by id.
    let mut rest: Vec<&ResourceState> = (0..gone.len())
        .filter(|&i| !done[i])
        .map(|i| gone[i])
        .collect();
    rest.sort_by(|a, b| a.id.cmp(&b.id));
    out.extend(rest);
    out
}

/// Adds a change for every reference to an output of a node that is being created or
/// replaced: the value it resolves to will be new, so this node must be updated with it.
fn outputs_that_change(
    properties: &Value,
    actions: &FastMap<&str, Action>,
    entries: &FastMap<&str, &ResourceState>,
    changes: &mut Vec<Change>,
) {
    let mut found: Vec<(String, Value, Value)> = Vec::new();
    walk_references(
        properties,
        &mut String::new(),
        &mut |path, value, reference| {
            if let Reference::Output { node, attr } = reference {
                if matches!(actions.get(node), Some(Action::Create | Action::Replace)) {
                    let old = if as_reference(value).is_some() {
                        entries
                            .get(node)
                            .and_then(|e| e.outputs.get(attr))
                            .cloned()
                            .unwrap_or(Value::Null)
                    } else {
                        Value::Null
                    };
                    found.push((path.to_string(), old, value.clone()));
                }
            }
        },
    );
    for (path, old, new) in found {
        let covered = changes.iter().any(|c| {
            c.path == path
                || path.starts_with(&format!("{}.", c.path))
                || path.starts_with(&format!("{}[", c.path))
        });
        if !covered {
            changes.push(Change {
                path,
                old,
                new,
                forces_replace: false,
            });
        }
    }
}

/// Calls `f(path, deferred value, reference)` for each reference, where `path` is that of the
/// deferred value holding it (a reference itself, or the join it is part of).
fn walk_references<'v>(
    value: &'v Value,
    path: &mut String,
    f: &mut impl FnMut(&str, &'v Value, Reference<'v>),
) {
    if is_deferred(value) {
        let at = path.clone();
        crate::graph::for_each_reference(value, &mut |r| f(&at, value, r));
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let len = path.len();
                push_key(path, key);
                walk_references(v, path, f);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                walk_references(v, path, f);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn push_key(path: &mut String, key: &str) {
    let plain = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&Value::String(key.to_string()).to_string());
        path.push(']');
    }
}

/// The leaf-level differences between two inputs. References, lookups and joins are
/// compared whole; lists of another length are one change.
pub fn diff_values(old: &Value, new: &Value, path: &mut String, out: &mut Vec<Change>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) if !is_deferred(old) && !is_deferred(new) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let len = path.len();
                push_key(path, key);
                diff_values(
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    path,
                    out,
                );
                path.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                diff_values(x, y, path, out);
                path.truncate(len);
            }
        }
        _ => out.push(Change {
            path: path.clone(),
            old: old.clone(),
            new: new.clone(),
            forces_replace: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn declarations_of_ids() {
        assert_eq!(declaration_of_id("media"), "media");
        assert_eq!(declaration_of_id("ffmpeg/task-role"), "ffmpeg");
        assert_eq!(
            declaration_of_id("trigger/media.on_put(uploads/)->ffmpeg/rule"),
            "media.on_put(uploads/)->ffmpeg"
        );
    }

    #[test]
    fn leaf_paths() {
        let mut out = Vec::new();
        diff_values(
            &json!({"memory": 512, "tags": {"infrac:id": "a"}, "l": [1, 2], "m": [1], "r": {"$ref": "x", "attr": "arn"}}),
            &json!({"memory": 1024, "tags": {"infrac:id": "b"}, "l": [1, 3], "m": [1, 2], "r": {"$ref": "y", "attr": "arn"}, "n": true}),
            &mut String::new(),
            &mut out,
        );
        let paths: Vec<&str> = out.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            vec!["l[1]", "m", "memory", "n", "r", "tags[\"infrac:id\"]"]
        );
        assert_eq!(out[3].old, Value::Null);
    }
}
