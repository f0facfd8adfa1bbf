//! The state of a stack, as a value: what was deployed, with the inputs it was last applied
//! with and the outputs AWS gave back. Reading and writing it (atomically, under a lock) is
//! the job of `infrac-state`; this module is only the format and the pure operations on it.
//!
//! ```json
//! {"version": 1, "lineage": "…", "serial": 3, "project": "thumbnailer", "stack": "dev",
//!  "account": "123456789012", "region": "eu-west-1",
//!  "resources": [{"id": "media", "type": "aws:s3:Bucket", "physical_id": "…", "arn": "…",
//!                 "status": "applied", "depends_on": [], "inputs": {…}, "outputs": {…}}]}
//! ```

use crate::graph::ResourceType;
use crate::step::{Action, PlanStep};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The format this build writes. A state of a newer version is refused, never rewritten.
pub const STATE_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Created or updated with `inputs`.
    Applied,
    /// A create was started and may not have finished: the next deploy looks the resource up
    /// by its name and adopts it, or creates it.
    PendingCreate,
    /// A delete was started and may not have finished: the next deploy finishes it.
    PendingDelete,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    pub id: String,
    #[serde(rename = "type")]
    pub ty: ResourceType,
    pub physical_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    pub status: Status,
    /// What it depended on when applied: deletes of resources no longer in the program run in
    /// reverse of this order.
    #[serde(default)]
    pub depends_on: Vec<String>,
    pub inputs: Value,
    #[serde(default)]
    pub outputs: Value,
    /// For a pending create: when its mark was written (seconds since the Unix epoch). The
    /// one proof of ownership for a bucket an interrupted run created but could not tag yet
    /// (where `CreateBucket` takes no tags): it was created after this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_since: Option<u64>,
    /// Adopted by `infrac import` and not deployed since. What AWS could not say of it is
    /// recorded as the program has it, so the next plan updates it anyway, and the deploy
    /// applies every input.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// Made once when the state is first written; a state with another lineage is another
    /// stack's history, never to be overwritten by this one's.
    pub lineage: String,
    /// Grows with every write.
    pub serial: u64,
    pub project: String,
    pub stack: String,
    /// This stack instance's random id, made at its first deploy and written as the tag
    /// `infrac:instance` on everything it creates: a second clone of the same project deploying
    /// the same stack name is another instance, and never takes this one's resources. A state
    /// written before instance ids has none; the next deploy gives it one (see `docs/deploy.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The AWS account id the stack was first deployed to. Every later run against other
    /// credentials is refused before it changes anything. Absent in states written before
    /// infrac recorded it: the next deploy records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The region the stack was first deployed to, recorded and checked like `account`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub resources: Vec<ResourceState>,
}

#[derive(Debug)]
pub enum StateFormatError {
    Json(serde_json::Error),
    TooNew { version: u32 },
}

impl fmt::Display for StateFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateFormatError::Json(err) => write!(f, "not a valid state file: {err}"),
            StateFormatError::TooNew { version } => write!(
                f,
                "state format version {version} is newer than this infrac understands ({STATE_VERSION}); upgrade infrac"
            ),
        }
    }
}

impl std::error::Error for StateFormatError {}

impl State {
    /// An empty state of a stack that has never been deployed.
    pub fn empty(project: &str, stack: &str, lineage: &str) -> State {
        State {
            version: STATE_VERSION,
            lineage: lineage.to_string(),
            serial: 0,
            project: project.to_string(),
            stack: stack.to_string(),
            instance: None,
            account: None,
            region: None,
            resources: Vec::new(),
        }
    }

    pub fn parse(text: &str) -> Result<State, StateFormatError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        let version: VersionOnly = serde_json::from_str(text).map_err(StateFormatError::Json)?;
        if version.version > STATE_VERSION {
            return Err(StateFormatError::TooNew {
                version: version.version,
            });
        }
        serde_json::from_str(text).map_err(StateFormatError::Json)
    }

    /// Pretty JSON with a final newline, resources sorted by id, so that two writes of the
    /// same state are the same bytes and a diff of two states is readable.
    pub fn to_json(&self) -> String {
        let mut sorted = self.clone();
        sorted.resources.sort_by(|a, b| a.id.cmp(&b.id));
        let mut text = serde_json::to_string_pretty(&sorted).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn get(&self, id: &str) -> Option<&ResourceState> {
        self.resources.iter().find(|r| r.id == id)
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// Records a step that finished: a create, update or replace stores its inputs and the
    /// outputs AWS returned; a delete removes the entry.
    pub fn record(&mut self, step: &PlanStep, outputs: Value) {
        let position = self.resources.iter().position(|r| r.id == step.id);
        if step.action == Action::Delete {
            if let Some(i) = position {
                self.resources.remove(i);
            }
            return;
        }
        let arn = outputs.get("arn").and_then(Value::as_str).map(String::from);
        let entry = ResourceState {
            id: step.id.clone(),
            ty: step.ty,
            physical_id: step.name.clone(),
            arn,
            status: Status::Applied,
            depends_on: step.depends_on.clone(),
            inputs: step.properties.as_ref().clone(),
            outputs,
            pending_since: None,
            imported: false,
        };
        match position {
            Some(i) => self.resources[i] = entry,
            None => self.resources.push(entry),
        }
    }

    /// Marks a step as started, before the call that creates or deletes something, so that a
    /// crash between the call and [`State::record`] leaves a trace the next run acts on (the
    /// diff plans a pending entry again; the engine adopts by name or finishes the delete).
    /// A create adds a pending-create entry; a delete, and a replace (whose old resource is
    /// about to go), mark the entry pending-delete; an update changes nothing.
    pub fn mark_pending(&mut self, step: &PlanStep) {
        self.mark_pending_at(step, None);
    }

    /// [`State::mark_pending`], recording when (seconds since the Unix epoch) on a create.
    pub fn mark_pending_at(&mut self, step: &PlanStep, now: Option<u64>) {
        match step.action {
            Action::Update => {}
            Action::Delete | Action::Replace => {
                if let Some(entry) = self.resources.iter_mut().find(|r| r.id == step.id) {
                    entry.status = Status::PendingDelete;
                }
            }
            Action::Create => {
                if self.resources.iter().any(|r| r.id == step.id) {
                    return;
                }
                self.resources.push(ResourceState {
                    id: step.id.clone(),
                    ty: step.ty,
                    physical_id: step.name.clone(),
                    arn: None,
                    status: Status::PendingCreate,
                    depends_on: step.depends_on.clone(),
                    inputs: step.properties.as_ref().clone(),
                    outputs: Value::Object(serde_json::Map::new()),
                    pending_since: now,
                    imported: false,
                });
            }
        }
    }

    /// Drops the entry of `id`, without touching what it named: a create AWS refused (nothing
    /// was made), or a resource found to belong to someone else (never ours to change).
    pub fn forget(&mut self, id: &str) {
        self.resources.retain(|r| r.id != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> State {
        let mut s = State::empty("thumbnailer", "dev", "0123");
        s.serial = 2;
        s.resources.push(ResourceState {
            id: "media".into(),
            ty: ResourceType::S3Bucket,
            physical_id: "thumbnailer-dev-media-1".into(),
            arn: Some("arn:aws:s3:::thumbnailer-dev-media-1".into()),
            status: Status::Applied,
            depends_on: vec![],
            inputs: json!({"name": "thumbnailer-dev-media-1"}),
            outputs: json!({"arn": "arn:aws:s3:::thumbnailer-dev-media-1"}),
            pending_since: None,
            imported: false,
        });
        s
    }

    #[test]
    fn a_state_from_before_instance_ids_loads_without_one() {
        let mut s = sample();
        let old = s.to_json();
        assert!(!old.contains("instance"), "{old}");
        assert_eq!(State::parse(&old).expect("parses").instance, None);
        s.instance = Some("0123456789ab".into());
        let text = s.to_json();
        assert!(text.contains("\"instance\": \"0123456789ab\""), "{text}");
        assert_eq!(State::parse(&text).expect("parses"), s);
    }

    #[test]
    fn round_trips() {
        let s = sample();
        let text = s.to_json();
        assert!(text.contains("\"type\": \"aws:s3:Bucket\""), "{text}");
        assert!(text.contains("\"status\": \"applied\""), "{text}");
        assert_eq!(State::parse(&text).expect("parses"), s);
    }

    #[test]
    fn account_and_region_are_kept_and_old_states_load_without_them() {
        let old = sample().to_json();
        assert!(!old.contains("\"account\""), "{old}");
        assert_eq!(State::parse(&old).expect("parses").account, None);
        let mut s = sample();
        s.account = Some("123456789012".into());
        s.region = Some("eu-west-1".into());
        let text = s.to_json();
        assert!(text.contains("\"account\": \"123456789012\""), "{text}");
        assert!(text.contains("\"region\": \"eu-west-1\""), "{text}");
        assert_eq!(State::parse(&text).expect("parses"), s);
    }

    fn step(action: Action) -> PlanStep {
        PlanStep {
            action,
            id: "media".into(),
            ty: ResourceType::S3Bucket,
            name: "b".into(),
            depends_on: vec![],
            origin: None,
            properties: std::sync::Arc::new(json!({"name": "b"})),
            changes: vec![],
            declaration: "media".into(),
            reason: None,
        }
    }

    #[test]
    fn steps_are_pending_until_recorded() {
        let mut s = State::empty("p", "dev", "l");
        s.mark_pending(&step(Action::Create));
        assert_eq!(s.resources[0].status, Status::PendingCreate);
        s.record(&step(Action::Create), json!({"arn": "arn:aws:s3:::b"}));
        assert_eq!(s.resources.len(), 1);
        assert_eq!(s.resources[0].status, Status::Applied);
        assert_eq!(s.resources[0].arn.as_deref(), Some("arn:aws:s3:::b"));
        s.mark_pending(&step(Action::Update));
        assert_eq!(s.resources[0].status, Status::Applied);
        s.mark_pending(&step(Action::Delete));
        assert_eq!(s.resources[0].status, Status::PendingDelete);
        s.record(&step(Action::Delete), json!({}));
        assert!(s.is_empty());
    }

    #[test]
    fn refuses_newer_versions_and_garbage() {
        let text = sample()
            .to_json()
            .replace("\"version\": 1", "\"version\": 99");
        assert!(matches!(
            State::parse(&text),
            Err(StateFormatError::TooNew { version: 99 })
        ));
        assert!(State::parse("{").is_err());
        let unknown_type = sample().to_json().replace("aws:s3:Bucket", "aws:s3:Nope");
        assert!(State::parse(&unknown_type).is_err());
    }
}
