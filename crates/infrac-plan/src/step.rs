//! A plan as data: the closed set of [`Action`]s, the [`PlanStep`]s the diff makes, and the
//! [`Plan`] that holds them. The diff ([`crate::diff`]) makes plans; the state
//! ([`crate::state`]) records the steps carried out; neither needs the other.

use crate::graph::{Origin, ResourceType};
use serde_json::Value;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }

    /// `+`, `~`, `-/+`, `-`, as Terraform and Pulumi show them.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// One changed input: `path` is `memory`, `tags["infrac:id"]`,
/// `container_definitions[0].image`. `old` or `new` is `null` where the input is absent.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub path: String,
    pub old: Value,
    pub new: Value,
    /// Whether this change alone makes the step a replace (kept for display only).
    pub forces_replace: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlanStep {
    pub action: Action,
    pub id: String,
    pub ty: ResourceType,
    /// The physical name (for a delete, the one in state).
    pub name: String,
    pub depends_on: Vec<String>,
    /// `None` for a delete: its declaration is gone.
    pub origin: Option<Arc<Origin>>,
    /// The desired inputs (for a delete, the last applied ones).
    pub properties: Arc<Value>,
    pub changes: Vec<Change>,
    /// The declaration the step belongs to (for deletes, read from the id).
    pub declaration: String,
    /// Why a step with no changed input of its own is there (display only).
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
}

impl Summary {
    pub fn total(&self) -> usize {
        self.create + self.update + self.replace + self.delete
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub project: String,
    pub stack: String,
    pub steps: Vec<PlanStep>,
    pub summary: Summary,
    /// The origin of every declaration the program has now (one per declaration), so a step
    /// of a declaration that is still there is shown under it even when it is a delete.
    pub declarations: Vec<Arc<Origin>>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn step(&self, id: &str) -> Option<&PlanStep> {
        self.steps.iter().find(|s| s.id == id)
    }
}
