//! The deploy engine: given a plan and a stack's state, make the cloud match the program.
//! It refreshes state from the cloud, runs steps in dependency order with bounded
//! parallelism (deletes in reverse order, last), writes each create or delete to state as
//! pending before the call (so a crash leaves a trace the next run resolves), saves state
//! after every step, and stops starting new work at the first failure, leaving a report of
//! what failed, what was done and what is left.
//!
//! Architecture invariant: this crate is generic over [`Provider`] and knows nothing of the
//! AWS SDK (that is `infrac-aws`). Progress is plain data ([`Event`]); [`progress`] turns it
//! into lines (pure), and writing them to a terminal is the CLI's job.

pub mod artifact;
pub mod engine;
pub mod fake;
pub mod progress;
pub mod provider;
pub mod resolve;

pub use engine::{
    new_instance_id, not_importable, ApplyReport, DeployError, Engine, Event, Failure, Home,
    Imported, Loaded, Options, Phase, Progress, Refreshed, DEFAULT_PARALLELISM, INSTANCE_TAG,
};
pub use provider::{ErrorKind, Observed, OwnerTags, Provider, ProviderError, Resource};
pub use resolve::Known;

use infrac_plan::{diff, Plan, ResourceGraph, State};
use serde_json::Value;

/// The plan that deletes everything in `state`, in reverse dependency order.
pub fn destroy_plan(state: &State) -> Plan {
    diff(
        &ResourceGraph::new(state.project.clone(), state.stack.clone()),
        state,
    )
}

/// The program's outputs with their references resolved against the state: each name with
/// its value, or `None` when what it refers to is not deployed.
pub fn resolve_outputs(outputs: &[(String, Value)], known: &Known) -> Vec<(String, Option<Value>)> {
    outputs
        .iter()
        .map(|(name, value)| (name.clone(), known.resolve(value).ok()))
        .collect()
}
