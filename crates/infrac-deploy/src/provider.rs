//! The provider trait: what the engine asks of a cloud. The engine owns ordering,
//! parallelism, state and crash safety; a provider owns API calls, and nothing else.

use infrac_plan::{PlanStep, ResourceType};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;

/// One resource as the provider sees it: its properties with every reference resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// The logical id (`media`, `ffmpeg/task-role`), for messages and tags.
    pub id: String,
    pub ty: ResourceType,
    /// The physical name, deterministic: what a crashed run's resource is found by.
    pub name: String,
    /// The ARN recorded in state, when there is one (a task definition's revision is only
    /// known by it).
    pub arn: Option<String>,
    /// The inputs, resolved (no `$ref`, `$lookup` or `$join` left, except where a value could
    /// not be known, as when reading a resource whose dependency is gone).
    pub properties: Value,
}

/// What a provider reads back of an existing resource.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observed {
    /// The outputs, as `create` returns them (`arn`, `url`).
    pub outputs: Value,
    /// Top-level inputs the provider can read back, in the graph's form, resolved. Only keys
    /// the provider reads exactly are given; the engine compares them with what was applied
    /// and plans an update of any that drifted.
    pub properties: Map<String, Value>,
}

/// The tags that say whose a resource is, as a provider reads them before changing it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerTags {
    pub tags: BTreeMap<String, String>,
    /// Set for the types AWS cannot tag (a bucket notification, a Lambda permission): the
    /// tags are their parent's (the bucket, the function), so `infrac:id` is the parent's.
    pub from_parent: bool,
    /// When the resource was created (seconds since the Unix epoch), where the service says
    /// and it matters: a bucket, whose create may not take tags.
    pub created: Option<u64>,
}

/// What went wrong in a provider call, in words for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderError {
    pub kind: ErrorKind,
    /// The API operation (`lambda:CreateFunction`), or the tool (`docker build`).
    pub operation: String,
    /// The service's error code (`AccessDenied`), when it gave one.
    pub code: Option<String>,
    /// What the service said.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The resource does not exist (a delete of it is done).
    NotFound,
    /// A resource of that name exists already, and is not in state.
    AlreadyExists,
    /// Throttling, timeouts, 5xx: trying later may work.
    Transient,
    /// A precondition of the whole deploy is missing (no Docker engine, no credentials).
    Precondition,
    /// A resource with the name infrac wanted belongs to someone else (its tags say so, or
    /// it has none): infrac neither changes nor deletes it, nor keeps it in the state.
    NotOurs,
    Other,
}

impl ProviderError {
    pub fn new(kind: ErrorKind, operation: impl Into<String>, message: impl Into<String>) -> Self {
        ProviderError {
            kind,
            operation: operation.into(),
            code: None,
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// Whether the service answered and said no (AlreadyExists, AccessDenied, a validation
    /// error): a create refused so made nothing. A timeout, a 5xx or a lost connection is not
    /// a refusal: the resource may exist.
    pub fn is_refusal(&self) -> bool {
        match self.kind {
            ErrorKind::AlreadyExists | ErrorKind::NotOurs | ErrorKind::Precondition => true,
            ErrorKind::NotFound => true,
            ErrorKind::Transient => false,
            ErrorKind::Other => self.code.is_some(),
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.operation)?;
        match &self.code {
            Some(code) => write!(f, ": {code}: {}", self.message)?,
            None => write!(f, ": {}", self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ProviderError {}

/// A cloud the engine deploys to. Calls may run in parallel (up to the engine's
/// parallelism), each on its own resource; a provider must make each call safe to repeat
/// after a crash:
/// - `create` of a resource whose name is taken by no one fails with
///   [`ErrorKind::AlreadyExists`] when something of that name exists;
/// - `update` applies every input, so it also finishes a create that was cut short (the
///   engine calls it to adopt what a crashed run created);
/// - `delete` of a resource that is gone is [`ErrorKind::NotFound`] or `Ok`: either is done.
pub trait Provider: Send + Sync + 'static {
    /// A fact about the account (`aws.region`, `aws.account_id`, `default_vpc.subnet_ids`).
    fn lookup(&self, name: &str) -> impl Future<Output = Result<Value, ProviderError>> + Send;

    /// Checks, before anything changes, that the steps can be carried out at all (a Docker
    /// engine for images). The default: nothing to check.
    fn preflight(
        &self,
        steps: &[PlanStep],
    ) -> impl Future<Output = Result<(), ProviderError>> + Send {
        let _ = steps;
        async { Ok(()) }
    }

    /// The tags that say whose the resource of this name is (for the types AWS cannot tag,
    /// its parent's): `None` when it does not exist. The engine reads them before it updates,
    /// replaces, deletes or adopts anything.
    fn owner_tags(
        &self,
        resource: &Resource,
    ) -> impl Future<Output = Result<Option<OwnerTags>, ProviderError>> + Send;

    /// Adds `tags` to the resource of this name, keeping the tags it has (`infrac import`).
    /// Only for the types that take tags ([`ResourceType::taggable`]).
    fn add_tags(
        &self,
        resource: &Resource,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Reads a resource by its name (and ARN, when known). `None` when it does not exist.
    fn read(
        &self,
        resource: &Resource,
    ) -> impl Future<Output = Result<Option<Observed>, ProviderError>> + Send;

    /// Creates a resource; returns its outputs.
    fn create(
        &self,
        resource: &Resource,
    ) -> impl Future<Output = Result<Value, ProviderError>> + Send;

    /// Makes an existing resource match `resource` (`old`: what it was last applied with, or
    /// `None` when adopting one whose settings are unknown); returns its outputs.
    fn update(
        &self,
        resource: &Resource,
        old: Option<&Resource>,
    ) -> impl Future<Output = Result<Value, ProviderError>> + Send;

    /// Deletes a resource.
    fn delete(&self, resource: &Resource)
        -> impl Future<Output = Result<(), ProviderError>> + Send;
}
