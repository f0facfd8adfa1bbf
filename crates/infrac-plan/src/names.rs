//! Physical names: `{project}-{stack}-{name}` plus what each AWS service needs. Every name is
//! a pure function of the project, the stack and the declaration, so a deploy that crashed can
//! find what it made by name, and a plan shows the names the deploy will use.

use crate::resource_type::ResourceType;
use crate::state::State;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Lengths AWS allows.
pub const S3_BUCKET_MAX: usize = 63;
pub const IAM_ROLE_MAX: usize = 64;
pub const LAMBDA_FUNCTION_MAX: usize = 64;
pub const EVENTS_RULE_MAX: usize = 64;
pub const EVENTS_TARGET_ID_MAX: usize = 64;
pub const ECS_NAME_MAX: usize = 255;
pub const ECR_REPOSITORY_MAX: usize = 256;
pub const LOG_GROUP_MAX: usize = 512;
pub const STATEMENT_ID_MAX: usize = 100;
/// Load balancers and target groups: letters, digits and `-`, at most 32.
pub const ELB_NAME_MAX: usize = 32;
pub const SECURITY_GROUP_MAX: usize = 255;
pub const SCALING_POLICY_MAX: usize = 256;
/// Stacks are part of every name, so they are kept short and plain.
pub const STACK_MAX: usize = 24;

/// The first `len` hex digits of the SHA-256 of `text`.
pub fn short_hash(text: &str, len: usize) -> String {
    let mut out = crate::hash::hex(&Sha256::digest(text.as_bytes()));
    out.truncate(len);
    out
}

/// `name` if it fits in `max` bytes; otherwise its start and a hash of the whole, so two long
/// names that share a start still differ.
pub fn fit(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let hash = short_hash(name, 8);
    let mut keep = max.saturating_sub(hash.len() + 1);
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    let start = name[..keep].trim_end_matches(['-', '_', '.', '/']);
    format!("{start}-{hash}")
}

/// Whether a stack name can go into AWS names: lower-case letters, digits and `-`, starting
/// with a letter, at most [`STACK_MAX`] characters.
pub fn validate_stack(stack: &str) -> Result<(), String> {
    let ok = stack.len() <= STACK_MAX
        && stack.starts_with(|c: char| c.is_ascii_lowercase())
        && stack
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "stack name `{stack}` must start with a lower-case letter and hold only lower-case letters, digits and `-`, at most {STACK_MAX} of them (it becomes part of AWS names)"
        ))
    }
}

/// Stands where a bucket name's instance part goes while the stack has no instance id yet
/// (it was never deployed): the id is made at the first deploy.
pub const RANDOM_SUFFIX: &str = "(random suffix)";

/// What a stack's physical names depend on besides the program: the stack's name, its
/// instance id (made at its first deploy; `None` before), and the names its buckets were
/// created with, which they keep: a bucket is never renamed, since renaming one means
/// replacing it, and it holds data.
#[derive(Clone, Debug, Default)]
pub struct StackNames {
    pub stack: String,
    pub instance: Option<String>,
    /// Bucket names by declaration, of the buckets the stack already has.
    pub buckets: HashMap<String, String>,
}

impl StackNames {
    /// The names of a stack never deployed.
    pub fn new(stack: &str) -> StackNames {
        StackNames {
            stack: stack.to_string(),
            ..StackNames::default()
        }
    }

    /// The names of a stack as its state records it: its instance id, and the names of the
    /// buckets it made (applied or pending).
    pub fn of_state(stack: &str, state: &State) -> StackNames {
        let buckets = state
            .resources
            .iter()
            .filter(|r| r.ty == ResourceType::S3Bucket)
            .filter_map(|r| {
                let name = r.inputs.get("name")?.as_str()?;
                Some((r.id.clone(), name.to_string()))
            })
            .collect();
        StackNames {
            stack: stack.to_string(),
            instance: state.instance.clone(),
            buckets,
        }
    }
}

/// Makes the names of one stack of one project.
#[derive(Clone, Debug)]
pub struct Namer {
    project: String,
    stack: String,
    instance: Option<String>,
}

impl Namer {
    /// The names of a stack never deployed (buckets end in [`RANDOM_SUFFIX`]).
    pub fn new(project: &str, stack: &str) -> Namer {
        Namer {
            project: project.to_string(),
            stack: stack.to_string(),
            instance: None,
        }
    }

    /// The names of one instance of a stack.
    #[must_use]
    pub fn with_instance(mut self, instance: Option<&str>) -> Namer {
        self.instance = instance.map(str::to_string);
        self
    }

    /// `{project}-{stack}-{name}`.
    pub fn base(&self, name: &str) -> String {
        format!("{}-{}-{name}", self.project, self.stack)
    }

    /// S3 bucket names are global across all of AWS, lower case, 3 to 63 characters of
    /// letters, digits, `-` and `.`: `{project}-{stack}-{name}-{instance}`. The stack
    /// instance's id makes the name nobody else's: two people deploying one example never
    /// collide, and nobody can take a stack's bucket names before it is deployed. A readable
    /// part too long for the rest is cut with a hash of the whole, so two long names that
    /// share a start stay apart.
    pub fn s3_bucket(&self, declaration: &str) -> String {
        let suffix = self.instance.as_deref().unwrap_or(RANDOM_SUFFIX);
        let readable = dns_label(&self.base(declaration));
        // Instance ids are 12 characters; a longer one (never made by infrac) still fits.
        let keep = S3_BUCKET_MAX.saturating_sub(suffix.len().min(12) + 1);
        let readable = fit(&readable, keep);
        let mut name = format!("{readable}-{suffix}");
        // Prefixes S3 reserves for its own names.
        if name.starts_with("xn--")
            || name.starts_with("sthree-")
            || name.starts_with("amzn-s3-demo-")
        {
            name = format!(
                "b-{}-{suffix}",
                &readable[..readable.len().saturating_sub(2)]
            );
        }
        name
    }

    pub fn lambda_function(&self, declaration: &str) -> String {
        fit(&self.base(declaration), LAMBDA_FUNCTION_MAX)
    }

    /// `{project}-{stack}-{name}-{suffix}`, at most 64 characters.
    pub fn iam_role(&self, declaration: &str, suffix: &str) -> String {
        fit(&self.base(&format!("{declaration}-{suffix}")), IAM_ROLE_MAX)
    }

    /// Lambda writes to `/aws/lambda/NAME` on its own; making that group lets the stack own
    /// it (tags, deletion) instead of Lambda creating it on first run.
    pub fn lambda_log_group(function_name: &str) -> String {
        format!("/aws/lambda/{function_name}")
    }

    pub fn task_log_group(&self, declaration: &str) -> String {
        fit(&format!("/ecs/{}", self.base(declaration)), LOG_GROUP_MAX)
    }

    /// One cluster per stack, shared by its tasks.
    pub fn ecs_cluster(&self) -> String {
        fit(&format!("{}-{}", self.project, self.stack), ECS_NAME_MAX)
    }

    /// The SSM parameter that holds a secret's value: `/{project}/{stack}/{name}`. Parameter
    /// names take letters, digits and `_.-/`, which is all a project, stack or declaration
    /// name can hold.
    pub fn ssm_parameter(&self, declaration: &str) -> String {
        format!("/{}/{}/{declaration}", self.project, self.stack)
    }

    pub fn task_family(&self, declaration: &str) -> String {
        fit(&self.base(declaration), ECS_NAME_MAX)
    }

    /// ECR repository names are lower case, with single `-`, `_` or `.` between letters and
    /// digits.
    pub fn ecr_repository(&self, declaration: &str) -> String {
        fit(&dns_label(&self.base(declaration)), ECR_REPOSITORY_MAX)
    }

    /// A load balancer's or target group's name (`suffix` `lb` or `tg`): ELB allows only
    /// letters, digits and `-`, at most 32, so long names keep a hash; and no name may start
    /// with `internal-` (ELB keeps that for its internal DNS names), so such a project's names
    /// start with `lb-`.
    pub fn elb(&self, declaration: &str, suffix: &str) -> String {
        let mut name = dns_label(&self.base(&format!("{declaration}-{suffix}")));
        if name.starts_with("internal-") {
            name.insert_str(0, "lb-");
        }
        fit(&name, ELB_NAME_MAX)
    }

    pub fn security_group(&self, declaration: &str, suffix: &str) -> String {
        fit(
            &self.base(&format!("{declaration}-{suffix}")),
            SECURITY_GROUP_MAX,
        )
    }

    pub fn ecs_service(&self, declaration: &str) -> String {
        fit(&self.base(declaration), ECS_NAME_MAX)
    }

    pub fn scaling_policy(&self, declaration: &str) -> String {
        fit(
            &self.base(&format!("{declaration}-cpu")),
            SCALING_POLICY_MAX,
        )
    }

    pub fn events_rule(&self, name: &str) -> String {
        fit(&self.base(name), EVENTS_RULE_MAX)
    }

    /// The base name of what a trigger makes: source, event and target, plus a hash of the
    /// trigger's id, because one source may trigger one target on several patterns.
    pub fn trigger(&self, source: &str, event: &str, target: &str, trigger_id: &str) -> String {
        let hash = short_hash(trigger_id, 6);
        let event = event.strip_prefix("on_").unwrap_or(event);
        self.base(&format!("{source}-{event}-{target}-{hash}"))
    }

    /// An EventBridge target id (64 characters of letters, digits, `.`, `-` and `_`).
    pub fn target_id(target: &str, trigger_id: &str) -> String {
        let hash = short_hash(trigger_id, 8);
        fit(&format!("{target}-{hash}"), EVENTS_TARGET_ID_MAX)
    }

    /// A Lambda permission's statement id.
    pub fn statement_id(trigger_name: &str) -> String {
        fit(trigger_name, STATEMENT_ID_MAX)
    }
}

/// Lower case, `_` and anything else outside `[a-z0-9.-]` becomes `-`, no `--` runs, no `-` at
/// either end: what S3 and ECR accept.
fn dns_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' => c,
            _ => '-',
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3_rules() {
        let n = Namer::new("thumbnailer", "dev").with_instance(Some("0123456789ab"));
        let name = n.s3_bucket("media");
        assert_eq!(name, "thumbnailer-dev-media-0123456789ab");
        assert_eq!(name, n.s3_bucket("media"), "deterministic");
        assert_ne!(
            name,
            Namer::new("thumbnailer", "dev")
                .with_instance(Some("ba9876543210"))
                .s3_bucket("media"),
            "another instance of the same stack has other names"
        );
        let long = n.s3_bucket(&"very_long_bucket_name_".repeat(5));
        assert_eq!(long.len(), S3_BUCKET_MAX, "{long}");
        assert!(long.ends_with("-0123456789ab"), "{long}");
        assert_ne!(
            long,
            n.s3_bucket(&format!("{}x", "very_long_bucket_name_".repeat(5))),
            "two long names that share a start stay apart"
        );
        let valid = |s: &str| {
            (3..=S3_BUCKET_MAX).contains(&s.len())
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !s.starts_with('-')
                && !s.ends_with('-')
                && !s.contains("--")
        };
        assert!(valid(&long), "{long}");
        assert!(valid(&n.s3_bucket("Upper_Case__name")));
        let reserved = Namer::new("sthree-x", "dev").with_instance(Some("0123456789ab"));
        let name = reserved.s3_bucket("b");
        assert!(valid(&name) && !name.starts_with("sthree-"), "{name}");
        let xn = Namer::new("xn--a", "dev").with_instance(Some("0123456789ab"));
        assert!(!xn.s3_bucket("b").starts_with("xn--"));
    }

    #[test]
    fn a_stack_never_deployed_shows_where_its_random_suffix_goes() {
        let name = Namer::new("thumbnailer", "dev").s3_bucket("media");
        assert_eq!(name, "thumbnailer-dev-media-(random suffix)");
    }

    #[test]
    fn buckets_keep_the_names_the_state_recorded() {
        let mut state = State::empty("p", "dev", "l");
        state.instance = Some("0123456789ab".into());
        state.resources.push(crate::state::ResourceState {
            id: "media".into(),
            ty: ResourceType::S3Bucket,
            physical_id: "p-dev-media-1a2b3c4d".into(),
            arn: None,
            status: crate::state::Status::Applied,
            depends_on: Vec::new(),
            inputs: serde_json::json!({"name": "p-dev-media-1a2b3c4d"}),
            outputs: serde_json::Value::Null,
            pending_since: None,
            imported: false,
        });
        let names = StackNames::of_state("dev", &state);
        assert_eq!(names.instance.as_deref(), Some("0123456789ab"));
        assert_eq!(
            names.buckets.get("media").map(String::as_str),
            Some("p-dev-media-1a2b3c4d")
        );
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let n = Namer::new("a-rather-long-project-name", "production");
        let role = n.iam_role("a_very_long_function_name_indeed", "role");
        assert_eq!(role.len(), IAM_ROLE_MAX, "{role}");
        let other = n.iam_role("a_very_long_function_name_indeed_too", "role");
        assert_ne!(role, other);
        assert_eq!(
            n.iam_role("f", "role"),
            "a-rather-long-project-name-production-f-role"
        );
        assert_eq!(fit("abc", 3), "abc");
    }

    #[test]
    fn stacks() {
        assert!(validate_stack("dev").is_ok());
        assert!(validate_stack("pr-123").is_ok());
        assert!(validate_stack("Dev").is_err());
        assert!(validate_stack("1dev").is_err());
        assert!(validate_stack("").is_err());
        assert!(validate_stack(&"a".repeat(STACK_MAX + 1)).is_err());
    }

    #[test]
    fn load_balancer_names_follow_elb_rules() {
        let n = Namer::new("gallery", "dev");
        assert_eq!(n.elb("web", "lb"), "gallery-dev-web-lb");
        assert_eq!(n.elb("my_site", "tg"), "gallery-dev-my-site-tg");
        assert_eq!(
            Namer::new("internal", "dev").elb("api", "lb"),
            "lb-internal-dev-api-lb"
        );
        let long = Namer::new("a-rather-long-project", "staging").elb("checkout_service", "lb");
        assert!(long.len() <= ELB_NAME_MAX, "{long}");
        assert!(
            long.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !long.starts_with('-')
                && !long.ends_with('-'),
            "{long}"
        );
    }

    #[test]
    fn repository_names_are_lower_case_labels() {
        let n = Namer::new("thumbnailer", "dev");
        assert_eq!(n.ecr_repository("ffmpeg"), "thumbnailer-dev-ffmpeg");
        assert_eq!(n.ecr_repository("big__Task_"), "thumbnailer-dev-big-task");
    }
}
