//! The engine: refresh a stack's state from the cloud, then carry out a plan's steps in
//! dependency order, up to `parallelism` at a time, saving state after every step.
//!
//! Crash safety: before a call that creates or deletes something, the step is written to
//! state as pending (`State::mark_pending`) and saved. A later run finds the pending entry:
//! a pending create is looked up by its deterministic name and adopted (`Provider::read`,
//! then `Provider::update` to apply every input) or created; a pending delete is finished.
//! Updates need no mark: a crash leaves the old inputs in state, and the next plan updates
//! again.
//!
//! Ownership: every resource is tagged with the stack's instance id (`infrac:instance`, kept in
//! the state and added to the `tags` of every resolved resource here, so the plan does not
//! show it). Before a call that updates, replaces, deletes or adopts a resource, its tags are
//! read (`Provider::owner_tags`); a resource of the wanted name with other tags, or none, is
//! not ours: the step fails, the state forgets the entry, and nothing of it changes. A create
//! that AWS refused leaves nothing in the state; one whose outcome is unknown (a timeout, a
//! 5xx) stays pending and is adopted only when its tags prove it is this instance's.

use crate::provider::{ErrorKind, Observed, OwnerTags, Provider, ProviderError, Resource};
use crate::resolve::{lookups_in, Known};
use infrac_plan::{Action, Plan, PlanStep, ResourceState, State, Status};
use infrac_state::{StateBackend, StateError};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

mod import;
pub use import::{not_importable, Imported};

/// The tag that holds a stack instance's id.
pub const INSTANCE_TAG: &str = "infrac:instance";

/// A new stack instance's id: 12 random hex digits.
pub fn new_instance_id() -> String {
    let mut id: String = infrac_state::new_lineage()
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect();
    id.truncate(12);
    id
}

/// The default number of steps in flight at once.
pub const DEFAULT_PARALLELISM: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Reading,
    Creating,
    /// Adopting what a crashed run created: found by name, then every input applied.
    Adopting,
    Updating,
    Deleting,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Reading => "reading",
            Phase::Creating => "creating",
            Phase::Adopting => "adopting",
            Phase::Updating => "updating",
            Phase::Deleting => "deleting",
        }
    }
}

/// What happened to one resource when refreshing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refreshed {
    Unchanged,
    /// These top-level inputs differ from what was applied.
    Drifted(Vec<String>),
    /// It no longer exists; it leaves the state (and is created again if still planned).
    Gone,
}

/// Progress, as plain data. The CLI draws it; tests collect it.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A step waits for its dependencies.
    Waiting { id: String, action: Action },
    /// A call on a step's resource began.
    Started {
        id: String,
        action: Action,
        phase: Phase,
    },
    /// A step finished.
    Done {
        id: String,
        action: Action,
        elapsed: Duration,
    },
    Failed {
        id: String,
        action: Action,
        message: String,
    },
    /// A resource in state was read back.
    Refreshed { id: String, outcome: Refreshed },
    /// What a long call on a step's resource is waiting for, from the provider (an ECS
    /// service's rollout: `waiting for a stable deployment: 1 of 2 tasks running`).
    Note { id: String, text: String },
}

pub type Progress = Arc<dyn Fn(&Event) + Send + Sync>;

/// A progress sink that drops everything.
pub fn no_progress() -> Progress {
    Arc::new(|_| {})
}

#[derive(Clone)]
pub struct Options {
    /// At most this many steps in flight (at least 1).
    pub parallelism: usize,
    pub progress: Progress,
    /// Set (by a signal handler) to stop a run gracefully: no new step starts, the calls in
    /// flight finish and are recorded, and the state is saved.
    pub stop: Arc<AtomicBool>,
    /// Lets a refresh that finds every resource of a non-empty stack gone drop them all
    /// (`--yes-everything-is-gone`); otherwise it is [`DeployError::EverythingGone`].
    pub everything_gone_ok: bool,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("parallelism", &self.parallelism)
            .finish_non_exhaustive()
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            parallelism: DEFAULT_PARALLELISM,
            progress: no_progress(),
            stop: Arc::new(AtomicBool::new(false)),
            everything_gone_ok: false,
        }
    }
}

/// Why a run could not start, or had to stop as a whole.
#[derive(Debug)]
pub enum DeployError {
    State(StateError),
    /// A fact about the account could not be found.
    Lookup(ProviderError),
    /// A resource in state could not be read back.
    Refresh(ProviderError),
    /// A precondition of the steps is missing (nothing was changed).
    Preflight(ProviderError),
    /// The state was first deployed to another account or region than the caller's.
    WrongHome {
        stack: String,
        recorded: Home,
        caller: Home,
    },
    /// A refresh found every resource of a non-empty stack gone, which is far more often
    /// the wrong credentials than the truth; the state is left as it was.
    EverythingGone {
        stack: String,
        count: usize,
    },
}

/// Where a stack lives: an AWS account and a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Home {
    pub account: String,
    pub region: String,
}

impl fmt::Display for Home {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "account {} in region {}", self.account, self.region)
    }
}

impl fmt::Display for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeployError::State(err) => write!(f, "{err}"),
            DeployError::Lookup(err) => {
                write!(f, "could not look up a fact about the account: {err}")
            }
            DeployError::Refresh(err) => write!(
                f,
                "could not read the deployed resources back: {err}; nothing was changed"
            ),
            DeployError::Preflight(err) => write!(f, "{err}; nothing was changed"),
            DeployError::WrongHome {
                stack,
                recorded,
                caller,
            } => write!(
                f,
                "stack {stack} lives in {recorded}, but these credentials are for {caller}; \
                 nothing was changed (check AWS_PROFILE, AWS_REGION and infra.toml's `region`)"
            ),
            DeployError::EverythingGone { stack, count } => write!(
                f,
                "none of the {count} resources of stack {stack} was found: this is far more often \
                 the wrong credentials or region than the truth, so the state was left as it was \
                 and nothing was changed; if they really are all gone, run again with \
                 --yes-everything-is-gone"
            ),
        }
    }
}

impl std::error::Error for DeployError {}

impl From<StateError> for DeployError {
    fn from(err: StateError) -> Self {
        DeployError::State(err)
    }
}

/// A step that failed: which resource, what it was doing, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub id: String,
    pub ty: infrac_plan::ResourceType,
    pub action: Action,
    pub phase: Phase,
    pub message: String,
    /// The provider's error, when the failure came from a call.
    pub error: Option<ProviderError>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}): {}",
            self.phase.as_str(),
            self.id,
            self.ty,
            self.message
        )
    }
}

/// What an apply did.
#[derive(Clone, Debug)]
pub struct ApplyReport {
    /// Steps that finished, in the order they did.
    pub done: Vec<(String, Action)>,
    pub failed: Vec<Failure>,
    /// Steps that never started (a step failed, or the state could not be saved).
    pub left: Vec<(String, Action)>,
    /// The state as saved last.
    pub state: State,
    /// Set when saving the state failed: the run stopped there.
    pub state_error: Option<String>,
    /// Set when the run was asked to stop ([`Options::stop`]) before it was done.
    pub interrupted: bool,
}

impl ApplyReport {
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty() && self.left.is_empty() && self.state_error.is_none()
    }
}

/// The engine for one stack.
pub struct Engine<'b, P: Provider> {
    provider: Arc<P>,
    backend: &'b dyn StateBackend,
    stack: String,
    options: Options,
}

impl<P: Provider> fmt::Debug for Engine<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("stack", &self.stack)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The state of a stack and the serial it was stored with (`None`: never stored).
#[derive(Clone, Debug)]
pub struct Loaded {
    pub state: State,
    pub stored_serial: Option<u64>,
}

/// One call the engine makes on a resource.
enum Call {
    Create(Resource),
    /// Found by name after a crash: update it if it exists, create it if not. With the time
    /// its pending mark was written.
    Adopt(Resource, Option<u64>),
    /// The new resource, the old one as the state has it, and whether the old one's inputs
    /// are known (not after an import: then every input is applied, as when adopting).
    Update(Resource, Resource, bool),
    Delete(Resource),
}

/// Where a step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StepPhase {
    Waiting,
    /// Deleting, then done.
    DeleteOnly,
    /// Deleting the old resource, then creating the new one (a replace, or a create whose
    /// entry a crashed replace left pending-delete).
    DeleteThenCreate,
    /// Creating, adopting or updating, then done.
    Final,
    Done,
    Failed,
}

impl<'b, P: Provider> Engine<'b, P> {
    pub fn new(
        provider: Arc<P>,
        backend: &'b dyn StateBackend,
        stack: &str,
        options: Options,
    ) -> Self {
        let mut options = options;
        options.parallelism = options.parallelism.max(1);
        Engine {
            provider,
            backend,
            stack: stack.to_string(),
            options,
        }
    }

    pub fn provider(&self) -> &P {
        &self.provider
    }

    fn emit(&self, event: &Event) {
        (self.options.progress)(event);
    }

    /// The stack's state, or an empty one with a new lineage. A state without an instance id
    /// (a new one, or one written before instance ids) is given a new one here; it is stored
    /// with the first save of a deploy.
    pub fn load(&self, project: &str) -> Result<Loaded, DeployError> {
        let mut loaded = match self.backend.load(&self.stack)? {
            Some(state) => Loaded {
                stored_serial: Some(state.serial),
                state,
            },
            None => Loaded {
                state: State::empty(project, &self.stack, &infrac_state::new_lineage()),
                stored_serial: None,
            },
        };
        if loaded.state.instance.is_none() {
            loaded.state.instance = Some(new_instance_id());
        }
        Ok(loaded)
    }

    /// Where the caller's credentials point (`aws.account_id`, `aws.region`).
    pub async fn caller_home(&self) -> Result<Home, DeployError> {
        let fact = |value: Value, name: &str| {
            value.as_str().map(String::from).ok_or_else(|| {
                DeployError::Lookup(ProviderError::new(
                    ErrorKind::Other,
                    format!("lookup {name}"),
                    format!("not a string: {value}"),
                ))
            })
        };
        let account = self
            .provider
            .lookup("aws.account_id")
            .await
            .map_err(DeployError::Lookup)?;
        let region = self
            .provider
            .lookup("aws.region")
            .await
            .map_err(DeployError::Lookup)?;
        Ok(Home {
            account: fact(account, "aws.account_id")?,
            region: fact(region, "aws.region")?,
        })
    }

    /// A stack lives in one account and one region: compares those `state` recorded at its
    /// first deploy with the caller's, and refuses on a mismatch. A state that recorded none
    /// (never deployed, or written before infrac recorded them) gets the caller's, saved with
    /// the next write. Call it before anything reads or changes the stack's resources.
    pub async fn check_home(&self, state: &mut State) -> Result<Home, DeployError> {
        let caller = self.caller_home().await?;
        let recorded = Home {
            account: state
                .account
                .clone()
                .unwrap_or_else(|| caller.account.clone()),
            region: state
                .region
                .clone()
                .unwrap_or_else(|| caller.region.clone()),
        };
        if recorded != caller {
            return Err(DeployError::WrongHome {
                stack: self.stack.clone(),
                recorded,
                caller,
            });
        }
        state.account = Some(caller.account.clone());
        state.region = Some(caller.region.clone());
        Ok(caller)
    }

    /// Looks up every fact `values` use, once each.
    pub async fn lookups<'v>(
        &self,
        values: impl IntoIterator<Item = &'v Value>,
    ) -> Result<HashMap<String, Value>, DeployError> {
        let mut names = BTreeSet::new();
        for v in values {
            lookups_in(v, &mut names);
        }
        let mut out = HashMap::new();
        for name in names {
            let value = self
                .provider
                .lookup(&name)
                .await
                .map_err(DeployError::Lookup)?;
            out.insert(name, value);
        }
        Ok(out)
    }

    /// What references resolve against: the outputs in state, and the facts looked up.
    pub fn known(state: &State, lookups: HashMap<String, Value>) -> Known {
        Known {
            outputs: state
                .resources
                .iter()
                .filter(|r| r.status == Status::Applied)
                .map(|r| (r.id.clone(), r.outputs.clone()))
                .collect(),
            lookups,
        }
    }

    /// Reads every applied resource of `state` back (in parallel) and makes the state say
    /// what is there: one gone leaves the state, one whose inputs drifted keeps the values
    /// read, so the diff plans an update back (or a create). Pending entries are left to
    /// the apply. Changes only the state in memory.
    pub async fn refresh(
        &self,
        state: &mut State,
    ) -> Result<Vec<(String, Refreshed)>, DeployError> {
        let lookups = self
            .lookups(state.resources.iter().map(|r| &r.inputs))
            .await?;
        let known = Self::known(state, lookups);
        let mut reads: JoinSet<(usize, Resource, Result<Option<Observed>, ProviderError>)> =
            JoinSet::new();
        let mut queue: Vec<usize> = (0..state.resources.len())
            .filter(|&i| state.resources[i].status == Status::Applied)
            .rev()
            .collect();
        let mut results = Vec::new();
        loop {
            while reads.len() < self.options.parallelism {
                let Some(i) = queue.pop() else { break };
                let resource =
                    resource_of_entry(&state.resources[i], &known, state.instance.as_deref());
                let provider = Arc::clone(&self.provider);
                reads.spawn(async move {
                    let read = provider.read(&resource).await;
                    (i, resource, read)
                });
            }
            let Some(joined) = reads.join_next().await else {
                break;
            };
            let (i, resource, read) = joined.map_err(|e| {
                DeployError::Lookup(ProviderError::new(
                    ErrorKind::Other,
                    "refresh",
                    format!("a read stopped unexpectedly: {e}"),
                ))
            })?;
            let observed = read.map_err(|e| {
                DeployError::Refresh(ProviderError {
                    message: format!("reading {}: {}", resource.id, e.message),
                    ..e
                })
            })?;
            results.push((i, resource, observed));
        }
        results.sort_by_key(|r| r.0);
        let found = results.iter().filter(|r| r.2.is_some()).count();
        if !results.is_empty() && found == 0 && !self.options.everything_gone_ok {
            return Err(DeployError::EverythingGone {
                stack: self.stack.clone(),
                count: results.len(),
            });
        }
        let mut outcomes = Vec::new();
        let mut gone = Vec::new();
        for (i, resource, observed) in results {
            let entry = &mut state.resources[i];
            let outcome = match observed {
                None => {
                    gone.push(i);
                    Refreshed::Gone
                }
                Some(observed) => {
                    if let (Value::Object(outputs), Value::Object(read)) =
                        (&mut entry.outputs, &observed.outputs)
                    {
                        for (k, v) in read {
                            outputs.insert(k.clone(), v.clone());
                        }
                    }
                    if let Some(arn) = observed.outputs.get("arn").and_then(Value::as_str) {
                        entry.arn = Some(arn.to_string());
                    }
                    let mut drifted = Vec::new();
                    for (key, value) in observed.properties {
                        if resource.properties.get(&key) != Some(&value) {
                            if let Value::Object(inputs) = &mut entry.inputs {
                                inputs.insert(key.clone(), value);
                            }
                            drifted.push(key);
                        }
                    }
                    if drifted.is_empty() {
                        Refreshed::Unchanged
                    } else {
                        Refreshed::Drifted(drifted)
                    }
                }
            };
            self.emit(&Event::Refreshed {
                id: entry.id.clone(),
                outcome: outcome.clone(),
            });
            outcomes.push((entry.id.clone(), outcome));
        }
        for i in gone.into_iter().rev() {
            state.resources.remove(i);
        }
        Ok(outcomes)
    }

    /// Carries out `plan` on `loaded`: see the module's documentation. Returns what was done,
    /// what failed and what is left; the state is saved after every step.
    pub async fn apply(&self, loaded: Loaded, plan: &Plan) -> Result<ApplyReport, DeployError> {
        let Loaded {
            mut state,
            mut stored_serial,
        } = loaded;
        if plan.steps.is_empty() {
            return Ok(ApplyReport {
                done: Vec::new(),
                failed: Vec::new(),
                left: Vec::new(),
                state,
                state_error: None,
                interrupted: false,
            });
        }
        self.check_home(&mut state).await?;
        let lookups = self
            .lookups(
                plan.steps
                    .iter()
                    .map(|s| s.properties.as_ref())
                    .chain(state.resources.iter().map(|r| &r.inputs)),
            )
            .await?;
        self.provider
            .preflight(&plan.steps)
            .await
            .map_err(DeployError::Preflight)?;
        let mut known = Self::known(&state, lookups);
        let owner = Arc::new(Owner {
            project: state.project.clone(),
            stack: self.stack.clone(),
            instance: state.instance.clone(),
        });
        let steps = &plan.steps;
        let waits_for = wait_lists(steps);
        let mut phase = vec![StepPhase::Waiting; steps.len()];
        let mut started_at: Vec<Option<Instant>> = vec![None; steps.len()];
        let mut report = ApplyReport {
            done: Vec::new(),
            failed: Vec::new(),
            left: Vec::new(),
            state: State::empty("", "", ""),
            state_error: None,
            interrupted: false,
        };
        for step in steps {
            self.emit(&Event::Waiting {
                id: step.id.clone(),
                action: step.action,
            });
        }
        let mut running: JoinSet<Called> = JoinSet::new();
        let mut stopping = false;
        // Calls whose pending marks are in `state` but not saved yet. One save covers every
        // step that starts (or ends) at the same moment, so a run saves far less often than
        // twice per step, and no call starts before its pending mark is stored.
        let mut to_spawn: Vec<(usize, Call)> = Vec::new();
        loop {
            // Start what is ready, up to the parallelism.
            let mut dirty = false;
            if !stopping && self.options.stop.load(Ordering::SeqCst) {
                stopping = true;
                report.interrupted = true;
            }
            while !stopping && running.len() + to_spawn.len() < self.options.parallelism {
                let ready = (0..steps.len()).find(|&i| {
                    phase[i] == StepPhase::Waiting
                        && waits_for[i].iter().all(|&j| phase[j] == StepPhase::Done)
                });
                let Some(i) = ready else { break };
                let step = &steps[i];
                started_at[i] = Some(Instant::now());
                match Self::begin(step, &mut state, &known) {
                    Ok(Begin::Nothing) => {
                        phase[i] = StepPhase::Done;
                        report.done.push((step.id.clone(), step.action));
                        self.emit(&Event::Done {
                            id: step.id.clone(),
                            action: step.action,
                            elapsed: Duration::ZERO,
                        });
                    }
                    Ok(Begin::Call { call, next, save }) => {
                        dirty |= save;
                        phase[i] = next;
                        to_spawn.push((i, call));
                    }
                    Err(message) => {
                        phase[i] = StepPhase::Failed;
                        self.fail(&mut report, step, Phase::Creating, message, None);
                        stopping = true;
                    }
                }
            }
            if dirty {
                if let Err(err) = self.save(&mut state, &mut stored_serial) {
                    report.state_error = Some(err.to_string());
                    stopping = true;
                    // Nothing of this batch was called: it is left.
                    for (i, _) in to_spawn.drain(..) {
                        phase[i] = StepPhase::Waiting;
                    }
                }
            }
            for (i, call) in to_spawn.drain(..) {
                self.spawn(&mut running, i, &steps[i], call, &owner);
            }
            let Some(first) = running.join_next().await else {
                break;
            };
            let mut joined = vec![first];
            while let Some(more) = running.try_join_next() {
                joined.push(more);
            }
            let mut dirty = false;
            for result in joined {
                let Ok(Called {
                    i,
                    phase: call_phase,
                    result,
                    forget,
                }) = result
                else {
                    // A provider call panicked: nothing to record; stop starting new work.
                    stopping = true;
                    continue;
                };
                let step = &steps[i];
                let result = match result {
                    Err(err) if call_phase == Phase::Deleting && err.is_not_found() => {
                        Ok(Value::Null)
                    }
                    other => other,
                };
                match result {
                    Err(err) => {
                        phase[i] = StepPhase::Failed;
                        if forget {
                            // Refused, or someone else's: nothing of ours to keep track of.
                            state.forget(&step.id);
                            known.outputs.remove(&step.id);
                            dirty = true;
                        }
                        let message = err.to_string();
                        self.fail(&mut report, step, call_phase, message, Some(err));
                        stopping = true;
                    }
                    Ok(outputs) => match phase[i] {
                        StepPhase::DeleteOnly => {
                            state.record(&as_action(step, Action::Delete), Value::Null);
                            known.outputs.remove(&step.id);
                            self.finish(i, step, &mut phase, &mut report, &started_at);
                            dirty = true;
                        }
                        StepPhase::DeleteThenCreate => {
                            // The old resource is gone: record that, then start the create
                            // (after the save below has stored its pending mark).
                            state.record(&as_action(step, Action::Delete), Value::Null);
                            known.outputs.remove(&step.id);
                            state.mark_pending_at(
                                &as_action(step, Action::Create),
                                Some(unix_now()),
                            );
                            dirty = true;
                            match desired(step, &known, state.instance.as_deref()) {
                                Ok(resource) => {
                                    phase[i] = StepPhase::Final;
                                    to_spawn.push((i, Call::Create(resource)));
                                }
                                Err(message) => {
                                    phase[i] = StepPhase::Failed;
                                    self.fail(&mut report, step, Phase::Creating, message, None);
                                    stopping = true;
                                }
                            }
                        }
                        _ => {
                            let outputs = if outputs.is_object() {
                                outputs
                            } else {
                                Value::Object(serde_json::Map::new())
                            };
                            known.outputs.insert(step.id.clone(), outputs.clone());
                            state.record(step, outputs);
                            self.finish(i, step, &mut phase, &mut report, &started_at);
                            dirty = true;
                        }
                    },
                }
            }
            if dirty {
                if let Err(err) = self.save(&mut state, &mut stored_serial) {
                    report.state_error = Some(err.to_string());
                    stopping = true;
                    for (i, _) in to_spawn.drain(..) {
                        phase[i] = StepPhase::Failed;
                    }
                }
            }
        }
        for (i, step) in steps.iter().enumerate() {
            if phase[i] == StepPhase::Waiting {
                report.left.push((step.id.clone(), step.action));
            }
        }
        // A stop that came when nothing was left to start stopped nothing.
        report.interrupted &= !report.left.is_empty();
        report.state = state;
        Ok(report)
    }

    fn finish(
        &self,
        i: usize,
        step: &PlanStep,
        phase: &mut [StepPhase],
        report: &mut ApplyReport,
        started_at: &[Option<Instant>],
    ) {
        phase[i] = StepPhase::Done;
        report.done.push((step.id.clone(), step.action));
        self.emit(&Event::Done {
            id: step.id.clone(),
            action: step.action,
            elapsed: started_at[i].map_or(Duration::ZERO, |t| t.elapsed()),
        });
    }

    fn fail(
        &self,
        report: &mut ApplyReport,
        step: &PlanStep,
        phase: Phase,
        message: String,
        error: Option<ProviderError>,
    ) {
        self.emit(&Event::Failed {
            id: step.id.clone(),
            action: step.action,
            message: message.clone(),
        });
        report.failed.push(Failure {
            id: step.id.clone(),
            ty: step.ty,
            action: step.action,
            phase,
            message,
            error,
        });
    }

    fn save(&self, state: &mut State, stored_serial: &mut Option<u64>) -> Result<(), StateError> {
        state.serial += 1;
        match self.backend.save(&self.stack, state, *stored_serial) {
            Ok(()) => {
                *stored_serial = Some(state.serial);
                Ok(())
            }
            Err(err) => {
                state.serial -= 1;
                Err(err)
            }
        }
    }

    /// What to do first for a step, and the state change to save before it.
    fn begin(step: &PlanStep, state: &mut State, known: &Known) -> Result<Begin, String> {
        let entry = state.get(&step.id).cloned();
        match step.action {
            Action::Delete => {
                let Some(entry) = entry else {
                    return Ok(Begin::Nothing);
                };
                state.mark_pending(step);
                Ok(Begin::Call {
                    call: Call::Delete(resource_of_entry(&entry, known, state.instance.as_deref())),
                    next: StepPhase::DeleteOnly,
                    save: true,
                })
            }
            Action::Replace => match entry {
                Some(entry) => {
                    state.mark_pending(step);
                    Ok(Begin::Call {
                        call: Call::Delete(resource_of_entry(
                            &entry,
                            known,
                            state.instance.as_deref(),
                        )),
                        next: StepPhase::DeleteThenCreate,
                        save: true,
                    })
                }
                None => Self::begin(&as_action(step, Action::Create), state, known),
            },
            Action::Update => {
                let new = desired(step, known, state.instance.as_deref())?;
                match entry {
                    Some(entry) if entry.status == Status::Applied => Ok(Begin::Call {
                        call: Call::Update(
                            new,
                            resource_of_entry(&entry, known, state.instance.as_deref()),
                            !entry.imported,
                        ),
                        next: StepPhase::Final,
                        save: false,
                    }),
                    _ => Self::begin(&as_action(step, Action::Create), state, known),
                }
            }
            Action::Create => match entry.map(|e| (e.status, e)) {
                Some((Status::PendingDelete, entry)) => Ok(Begin::Call {
                    call: Call::Delete(resource_of_entry(&entry, known, state.instance.as_deref())),
                    next: StepPhase::DeleteThenCreate,
                    save: false,
                }),
                Some((Status::PendingCreate, entry)) => Ok(Begin::Call {
                    call: Call::Adopt(
                        desired(step, known, state.instance.as_deref())?,
                        entry.pending_since,
                    ),
                    next: StepPhase::Final,
                    save: false,
                }),
                Some((Status::Applied, entry)) => Ok(Begin::Call {
                    call: Call::Update(
                        desired(step, known, state.instance.as_deref())?,
                        resource_of_entry(&entry, known, state.instance.as_deref()),
                        !entry.imported,
                    ),
                    next: StepPhase::Final,
                    save: false,
                }),
                None => {
                    let new = desired(step, known, state.instance.as_deref())?;
                    state.mark_pending_at(step, Some(unix_now()));
                    Ok(Begin::Call {
                        call: Call::Create(new),
                        next: StepPhase::Final,
                        save: true,
                    })
                }
            },
        }
    }

    fn spawn(
        &self,
        running: &mut JoinSet<Called>,
        i: usize,
        step: &PlanStep,
        call: Call,
        owner: &Arc<Owner>,
    ) {
        let provider = Arc::clone(&self.provider);
        let owner = Arc::clone(owner);
        let phase = match &call {
            Call::Create(_) => Phase::Creating,
            Call::Adopt(..) => Phase::Adopting,
            Call::Update(..) => Phase::Updating,
            Call::Delete(_) => Phase::Deleting,
        };
        self.emit(&Event::Started {
            id: step.id.clone(),
            action: step.action,
            phase,
        });
        running.spawn(async move {
            // Whether the state should forget the step's entry when the call fails: the
            // resource is someone else's, or AWS refused the create (so nothing was made).
            let mut forget = false;
            let result = match call {
                Call::Create(r) => {
                    let result = provider.create(&r).await;
                    forget = refused(&result);
                    result.map_err(|e| owner.taken_on_create(&r, e))
                }
                Call::Adopt(r, since) => match provider.owner_tags(&r).await {
                    Ok(None) => {
                        let result = provider.create(&r).await;
                        forget = refused(&result);
                        result.map_err(|e| owner.taken_on_create(&r, e))
                    }
                    Ok(Some(tags)) => match owner.check(&r, &tags, false).or_else(|err| {
                        created_untagged_since(&tags, since)
                            .then_some(())
                            .ok_or(err)
                    }) {
                        Ok(()) => provider.update(&r, None).await,
                        Err(err) => {
                            forget = true;
                            Err(err)
                        }
                    },
                    Err(err) => Err(err),
                },
                Call::Update(new, old, old_known) => match provider.owner_tags(&old).await {
                    Ok(Some(tags)) => match owner.check(&old, &tags, true) {
                        Ok(()) => provider.update(&new, old_known.then_some(&old)).await,
                        Err(err) => {
                            forget = true;
                            Err(err)
                        }
                    },
                    // Gone since the refresh: the update says so.
                    Ok(None) => provider.update(&new, old_known.then_some(&old)).await,
                    Err(err) => Err(err),
                },
                Call::Delete(r) => match provider.owner_tags(&r).await {
                    Ok(None) => Ok(Value::Null),
                    Ok(Some(tags)) => match owner.check(&r, &tags, true) {
                        Ok(()) => provider.delete(&r).await.map(|()| Value::Null),
                        Err(err) => {
                            forget = true;
                            Err(err)
                        }
                    },
                    Err(err) => Err(err),
                },
            };
            Called {
                i,
                phase,
                result,
                forget,
            }
        });
    }
}

#[allow(clippy::large_enum_variant)]
enum Begin {
    /// Nothing to call (a delete of what is already gone from state).
    Nothing,
    Call {
        call: Call,
        next: StepPhase,
        /// Whether the state changed (a pending mark) and must be saved before the call.
        save: bool,
    },
}

/// What a spawned call gives back.
struct Called {
    i: usize,
    phase: Phase,
    result: Result<Value, ProviderError>,
    /// The state forgets the step's entry if the call failed (see `Engine::spawn`).
    forget: bool,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How far a service's clock may be behind ours, when comparing a creation time with the
/// time a pending mark was written.
const CLOCK_SKEW: u64 = 300;

/// Whether a resource with no tags at all was created after a pending create's mark was
/// written: what an interrupted create of a bucket leaves where `CreateBucket` takes no tags
/// (it is tagged by the next call). Only types whose service reports a creation time qualify.
fn created_untagged_since(owner: &OwnerTags, since: Option<u64>) -> bool {
    match (owner.created, since) {
        (Some(created), Some(since)) => {
            owner.tags.is_empty() && !owner.from_parent && created + CLOCK_SKEW >= since
        }
        _ => false,
    }
}

fn refused(result: &Result<Value, ProviderError>) -> bool {
    result.as_ref().is_err_and(ProviderError::is_refusal)
}

/// Whose resources this run may change: the stack's project, name and instance.
#[derive(Debug)]
struct Owner {
    project: String,
    stack: String,
    instance: Option<String>,
}

impl Owner {
    /// The error for a resource of the wanted name that is not this stack's.
    fn not_ours(&self, r: &Resource, found: &str) -> ProviderError {
        ProviderError::new(
            ErrorKind::NotOurs,
            "check ownership",
            format!(
                "`{}` ({}) already exists and does not belong to stack {} of project {}",
                r.name, r.ty, self.stack, self.project
            ),
        )
        .with_hint(format!(
            "{found}; infrac leaves it alone and keeps no entry for it: delete or rename it yourself, or deploy under another project or stack name"
        ))
    }

    /// A create refused because the name is taken: by something not in the state, so not
    /// (known to be) ours.
    fn taken_on_create(&self, r: &Resource, err: ProviderError) -> ProviderError {
        if err.kind == ErrorKind::AlreadyExists {
            self.not_ours(r, &format!("AWS refused the create: {}", err.message))
        } else {
            err
        }
    }

    /// Whether `tags` say the resource is this stack instance's. `legacy`: accept a resource
    /// without an `infrac:instance` tag that is otherwise this stack's (one in the state that
    /// an infrac from before instance ids made; updating it adds the tag). A pending create is
    /// adopted only with this instance's tag.
    fn check(&self, r: &Resource, owner: &OwnerTags, legacy: bool) -> Result<(), ProviderError> {
        let tag = |key: &str| owner.tags.get(key).map(String::as_str);
        let (Some(project), Some(stack)) = (tag("infrac:project"), tag("infrac:stack")) else {
            return Err(self.not_ours(r, "it has no infrac tags"));
        };
        let instance = tag(INSTANCE_TAG);
        let id_ok = owner.from_parent || tag("infrac:id") == Some(r.id.as_str());
        let instance_ok = match (instance, self.instance.as_deref()) {
            (Some(found), Some(ours)) => found == ours,
            (None, _) => legacy,
            (Some(_), None) => false,
        };
        if project == self.project && stack == self.stack && id_ok && instance_ok {
            return Ok(());
        }
        let whose = if owner.from_parent {
            "its parent's"
        } else {
            "its"
        };
        Err(self.not_ours(
            r,
            &format!(
                "{whose} tags say stack {stack} of project {project}, instance {}",
                instance.unwrap_or("(none)")
            ),
        ))
    }
}

fn as_action(step: &PlanStep, action: Action) -> PlanStep {
    PlanStep {
        action,
        ..step.clone()
    }
}

/// The resource a step wants, its references resolved and its instance tag added.
fn desired(step: &PlanStep, known: &Known, instance: Option<&str>) -> Result<Resource, String> {
    let mut properties = known
        .resolve(&step.properties)
        .map_err(|e| format!("cannot start: {e} (the step that makes it did not finish)"))?;
    tag_instance(&mut properties, instance);
    Ok(Resource {
        id: step.id.clone(),
        ty: step.ty,
        name: step.name.clone(),
        arn: None,
        properties,
    })
}

/// The resource a state entry describes, its references resolved where they still can be.
pub fn resource_of_entry(entry: &ResourceState, known: &Known, instance: Option<&str>) -> Resource {
    let mut properties = known.resolve_lossy(&entry.inputs);
    tag_instance(&mut properties, instance);
    Resource {
        id: entry.id.clone(),
        ty: entry.ty,
        name: entry.physical_id.clone(),
        arn: entry.arn.clone(),
        properties,
    }
}

/// Adds `infrac:instance` to the tags of a type that has them. The plan and the state keep
/// the tags without it (the instance is the state's, not the program's), so it never shows
/// as a change.
fn tag_instance(properties: &mut Value, instance: Option<&str>) {
    if let (Some(Value::Object(tags)), Some(instance)) = (properties.get_mut("tags"), instance) {
        tags.insert(
            INSTANCE_TAG.to_string(),
            Value::String(instance.to_string()),
        );
    }
}

/// For each step, the steps it waits for: a create, update or replace waits for the steps of
/// the resources it depends on; a delete waits for every other kind of step, and for the
/// deletes of the resources that depend on it.
fn wait_lists(steps: &[PlanStep]) -> Vec<Vec<usize>> {
    let applying: HashMap<&str, usize> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.action != Action::Delete)
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut waits = vec![Vec::new(); steps.len()];
    for (i, step) in steps.iter().enumerate() {
        if step.action == Action::Delete {
            waits[i].extend(applying.values().copied());
            for (j, other) in steps.iter().enumerate() {
                if other.action == Action::Delete && j != i && other.depends_on.contains(&step.id) {
                    waits[i].push(j);
                }
            }
        } else {
            for dep in &step.depends_on {
                if let Some(&j) = applying.get(dep.as_str()) {
                    if j != i {
                        waits[i].push(j);
                    }
                }
            }
        }
    }
    waits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untagged(created: Option<u64>) -> OwnerTags {
        OwnerTags {
            tags: std::collections::BTreeMap::new(),
            from_parent: false,
            created,
        }
    }

    #[test]
    fn an_untagged_bucket_is_the_interrupted_creates_only_when_made_after_its_mark() {
        let mark = Some(1_000_000);
        assert!(created_untagged_since(&untagged(Some(1_000_010)), mark));
        // Within the clock skew allowed.
        assert!(created_untagged_since(
            &untagged(Some(1_000_000 - CLOCK_SKEW)),
            mark
        ));
        // Made well before the run that marked it: someone else's.
        assert!(!created_untagged_since(&untagged(Some(999_000)), mark));
        // No creation time, or a mark without a time (an older state): no proof.
        assert!(!created_untagged_since(&untagged(None), mark));
        assert!(!created_untagged_since(&untagged(Some(1_000_010)), None));
        // Any tag at all is read as tags, never as this proof.
        let mut tagged = untagged(Some(1_000_010));
        tagged.tags.insert("team".into(), "data".into());
        assert!(!created_untagged_since(&tagged, mark));
    }

    #[test]
    fn ownership_needs_every_infrac_tag_of_this_instance() {
        let owner = Owner {
            project: "p".into(),
            stack: "dev".into(),
            instance: Some("abc".into()),
        };
        let r = Resource {
            id: "f".into(),
            ty: infrac_plan::ResourceType::LambdaFunction,
            name: "p-dev-f".into(),
            arn: None,
            properties: Value::Null,
        };
        let tags = |pairs: &[(&str, &str)]| OwnerTags {
            tags: pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            from_parent: false,
            created: None,
        };
        let ours = [
            ("infrac:project", "p"),
            ("infrac:stack", "dev"),
            ("infrac:id", "f"),
            ("infrac:instance", "abc"),
        ];
        assert!(owner.check(&r, &tags(&ours), false).is_ok());
        let mut other = ours;
        other[3].1 = "xyz";
        let err = owner
            .check(&r, &tags(&other), true)
            .expect_err("another instance");
        assert_eq!(err.kind, ErrorKind::NotOurs);
        assert_eq!(
            err.to_string(),
            "check ownership failed: `p-dev-f` (aws:lambda:Function) already exists and does not belong to stack dev of project p (its tags say stack dev of project p, instance xyz; infrac leaves it alone and keeps no entry for it: delete or rename it yourself, or deploy under another project or stack name)"
        );
        let mut other_id = ours;
        other_id[2].1 = "g";
        assert!(owner.check(&r, &tags(&other_id), true).is_err());
        // Without an instance tag: only a resource already in the state (from before instance
        // ids) is accepted, never an adoption.
        let legacy = &ours[..3];
        assert!(owner.check(&r, &tags(legacy), true).is_ok());
        assert!(owner.check(&r, &tags(legacy), false).is_err());
        assert!(owner.check(&r, &tags(&[]), true).is_err());
    }
}
