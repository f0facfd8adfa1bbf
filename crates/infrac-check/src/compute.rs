//! Compute that starts compute: the environment variables `runs T` and `invokes F` add to the
//! code that holds them, and what each grants. The checker (E0209), lowering (the values and
//! the policy) and hover (what `runs ffmpeg` adds) all read this one list.

use infrac_syntax::ast::{AccessMode, ResourceKind};

/// The kinds whose code may hold accesses (`reads`, `writes`, `runs`, `invokes`): those that
/// run code with a role of their own.
pub fn holds_access(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::Function | ResourceKind::Task | ResourceKind::Service
    )
}

/// The kinds whose `env` may take a secret's whole value: those that run as ECS containers,
/// where it becomes a `secrets` entry.
pub fn takes_secret_env(kind: ResourceKind) -> bool {
    matches!(kind, ResourceKind::Task | ResourceKind::Service)
}

/// Which value an added variable holds; lowering gives each its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddedValue {
    /// The ARN of the stack's ECS cluster.
    Cluster,
    /// The task definition family's ARN (without a revision: RunTask takes the latest).
    TaskDefinition,
    /// The name of the task's one container, the one to override.
    Container,
    /// The subnets a task runs in, comma-separated.
    Subnets,
    /// The security groups a task runs with, comma-separated (empty: the VPC's default).
    SecurityGroups,
    /// The function's name.
    Function,
}

/// One environment variable an access adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedVar {
    pub name: String,
    pub value: AddedValue,
    pub doc: &'static str,
}

const RUNS: [(&str, AddedValue, &str); 5] = [
    (
        "CLUSTER",
        AddedValue::Cluster,
        "the ARN of the stack's ECS cluster (`cluster`)",
    ),
    (
        "TASK_DEFINITION",
        AddedValue::TaskDefinition,
        "the task definition family's ARN; RunTask starts its latest revision (`taskDefinition`)",
    ),
    (
        "CONTAINER",
        AddedValue::Container,
        "the container to override (`overrides.containerOverrides[].name`)",
    ),
    (
        "SUBNETS",
        AddedValue::Subnets,
        "the subnets, comma-separated (`networkConfiguration.awsvpcConfiguration.subnets`)",
    ),
    (
        "SECURITY_GROUPS",
        AddedValue::SecurityGroups,
        "the security groups, comma-separated; empty means the VPC's default group (`securityGroups`)",
    ),
];

/// The upper-case form of a declaration's name, the prefix of the variables it adds.
pub fn env_prefix(target: &str) -> String {
    target.to_ascii_uppercase()
}

/// The variables `mode target` adds to the environment; none for `reads` and `writes`.
pub fn added_env(mode: AccessMode, target: &str) -> Vec<AddedVar> {
    let prefix = env_prefix(target);
    match mode {
        AccessMode::Reads | AccessMode::Writes => Vec::new(),
        AccessMode::Runs => RUNS
            .iter()
            .map(|&(suffix, value, doc)| AddedVar {
                name: format!("{prefix}_{suffix}"),
                value,
                doc,
            })
            .collect(),
        AccessMode::Invokes => vec![AddedVar {
            name: format!("{prefix}_FUNCTION"),
            value: AddedValue::Function,
            doc: "the function's name (`FunctionName` of Lambda's Invoke)",
        }],
    }
}

/// The IAM statements an access grants, in words (for hover); lowering writes the same ones.
pub fn granted(mode: AccessMode, target: &str) -> Vec<String> {
    match mode {
        AccessMode::Runs => vec![
            format!("`ecs:RunTask` on the task definition family of `{target}` (every revision), only in the stack's cluster (`ecs:cluster`)"),
            format!("`iam:PassRole` on exactly the execution role and the task role of `{target}`, only to ECS tasks (`iam:PassedToService`)"),
        ],
        AccessMode::Invokes => vec![format!("`lambda:InvokeFunction` on exactly the ARN of `{target}`")],
        AccessMode::Reads | AccessMode::Writes => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_adds_five_variables_named_after_the_task() {
        let names: Vec<String> = added_env(AccessMode::Runs, "ffmpeg")
            .into_iter()
            .map(|v| v.name)
            .collect();
        assert_eq!(
            names,
            [
                "FFMPEG_CLUSTER",
                "FFMPEG_TASK_DEFINITION",
                "FFMPEG_CONTAINER",
                "FFMPEG_SUBNETS",
                "FFMPEG_SECURITY_GROUPS"
            ]
        );
        let names: Vec<String> = added_env(AccessMode::Invokes, "on_thumb")
            .into_iter()
            .map(|v| v.name)
            .collect();
        assert_eq!(names, ["ON_THUMB_FUNCTION"]);
        assert!(added_env(AccessMode::Reads, "media").is_empty());
    }
}
