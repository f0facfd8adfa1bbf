//! Plans: lowering a checked `.infra` program to the graph of AWS resources it needs, the
//! state model of a deployed stack, the diff of the two, and the views of the result (plan
//! text and JSON, mermaid and dot pictures, and the plain data the language server shows on
//! hover).
//!
//! Architecture invariant: this crate is pure. It reads files only through infrac-check's
//! `FileSystem` (to hash `code` and `build` folders), and knows nothing of tokio, lsp-types,
//! the AWS SDK, or where state is stored (`infrac-state` does that IO).

pub mod diff;
pub mod graph;
pub mod graph_view;
pub mod hash;
pub mod lower;
pub mod names;
pub mod policy;
pub mod preview;
pub mod props;
pub mod render;
pub mod resource_type;
pub mod state;
pub mod step;

pub use diff::{diff, Action, Change, Plan, PlanStep, Summary};
pub use graph::{Node, Origin, ResourceGraph, ResourceType};
pub use lower::{lower_outputs, lower_program, lower_program_for, LowerProblem, Lowered};
pub use names::StackNames;
pub use state::{ResourceState, State, Status};
