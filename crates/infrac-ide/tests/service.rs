//! What an editor shows for a `service`: hover with every resource it creates and its URL
//! once deployed, a code lens with the URL, completion of its attributes and values, the
//! quick fixes of E0208, semantic tokens and symbols.

use infrac_check::project::build_project;
use infrac_check::DiskFileSystem;
use infrac_ide::{Analysis, CompletionItem, SymbolKind, TokenType};
use infrac_plan::lower::lower_program;
use infrac_syntax::{Code, FileId};
use std::path::PathBuf;
use std::sync::Arc;

const GALLERY: &str = "bucket media {}\n\n/// The gallery.\nservice gallery {\n  image  = \"public.ecr.aws/nginx/nginx:1.27\"\n  port   = 8080\n  health = \"/healthz\"\n  min    = 1\n  max    = 4\n  reads media\n}\n\noutput gallery_url = gallery.url\n";

fn analysis_of(text: &str) -> Analysis {
    let project = build_project(
        PathBuf::from("."),
        vec![(PathBuf::from("main.infra"), text.as_bytes().to_vec())],
        None,
    );
    Analysis::new(project, Arc::new(DiskFileSystem))
}

/// A state as a deploy of `text` leaves it, the load balancer with its DNS name.
fn deployed(text: &str) -> infrac_plan::state::State {
    let analysis = analysis_of(text);
    let lowered = lower_program(
        &analysis.project,
        &analysis.checked.model,
        &DiskFileSystem,
        &analysis.stack,
    );
    let mut state =
        infrac_plan::state::State::empty(&analysis.project.settings.name, "dev", "lineage");
    for step in infrac_plan::diff::diff(&lowered.graph, &state).steps {
        let outputs = if step.id.ends_with("/load-balancer") {
            serde_json::json!({
                "arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb/1",
                "dns_name": "lb-1.us-east-1.elb.amazonaws.com",
                "url": "http://lb-1.us-east-1.elb.amazonaws.com",
            })
        } else {
            serde_json::json!({"arn": format!("arn:aws:test:::{}", step.id)})
        };
        state.record(&step, outputs);
    }
    state
}

fn hover_at(analysis: &Analysis, text: &str, needle: &str) -> String {
    let offset = text.find(needle).expect("needle") + 1;
    infrac_ide::hover(analysis, FileId(0), offset, 0)
        .expect("hover")
        .markdown
}

#[test]
fn hover_on_a_service_lists_every_resource_and_says_the_url_comes_after_deploy() {
    let analysis = analysis_of(GALLERY);
    let text = hover_at(&analysis, GALLERY, "gallery {");
    assert!(
        text.starts_with("**service** `gallery` (Amazon ECS on AWS Fargate, Elastic Load Balancing, Application Auto Scaling)\n\nThe gallery."),
        "{text}"
    );
    assert!(text.contains("Its URL (`gallery.url`, `http://` and the load balancer's name) is known after deploy."), "{text}");
    // The stack's cluster is shared by its tasks and services, and listed with the first.
    for ty in [
        "aws:ecs:Cluster",
        "aws:logs:LogGroup",
        "aws:iam:Role",
        "aws:ecs:TaskDefinition",
        "aws:ec2:SecurityGroup",
        "aws:elbv2:LoadBalancer",
        "aws:elbv2:TargetGroup",
        "aws:elbv2:Listener",
        "aws:ecs:Service",
        "aws:applicationautoscaling:ScalableTarget",
        "aws:applicationautoscaling:ScalingPolicy",
    ] {
        assert!(text.contains(&format!("`{ty}`")), "{ty} missing: {text}");
    }
    assert!(
        text.contains("Creates 13 AWS resources in stack `dev`"),
        "{text}"
    );
}

#[test]
fn hover_and_a_code_lens_show_the_url_of_a_deployed_service() {
    let analysis = analysis_of(GALLERY).with_stack("dev", Some(deployed(GALLERY)));
    let text = hover_at(&analysis, GALLERY, "gallery {");
    assert!(
        text.contains("URL (stack `dev`): <http://lb-1.us-east-1.elb.amazonaws.com>"),
        "{text}"
    );
    assert!(!text.contains("known after deploy"), "{text}");
    let lenses: Vec<String> = infrac_ide::code_lenses(&analysis, FileId(0))
        .into_iter()
        .map(|l| l.title)
        .collect();
    assert_eq!(
        lenses,
        vec![
            "1 AWS resource".to_string(),
            "13 AWS resources".to_string(),
            "http://lb-1.us-east-1.elb.amazonaws.com".to_string(),
        ]
    );
    // Not deployed: no URL lens.
    let fresh: Vec<String> = infrac_ide::code_lenses(&analysis_of(GALLERY), FileId(0))
        .into_iter()
        .map(|l| l.title)
        .collect();
    assert_eq!(fresh, vec!["1 AWS resource", "13 AWS resources"]);
}

fn labels_at(text: &str, marker: &str) -> Vec<CompletionItem> {
    let offset = text.find(marker).expect("marker");
    let clean = text.replacen(marker, "", 1);
    let analysis = analysis_of(&clean);
    infrac_ide::completions(&analysis, FileId(0), offset)
}

#[test]
fn completion_offers_a_services_attributes_and_values() {
    let program = "service web {\n  image = \"x\"\n  $0\n}\n";
    let attrs: Vec<String> = labels_at(program, "$0")
        .into_iter()
        .map(|c| c.label)
        .collect();
    for a in [
        "port",
        "health",
        "public",
        "count",
        "min",
        "max",
        "target_cpu",
        "cpu",
        "memory",
    ] {
        assert!(attrs.iter().any(|l| l == a), "{a} missing: {attrs:?}");
    }
    assert!(
        !attrs.iter().any(|l| l == "image"),
        "image is set: {attrs:?}"
    );

    let ports: Vec<(String, Option<String>)> =
        labels_at("service web {\n  image = \"x\"\n  port = $0\n}\n", "$0")
            .into_iter()
            .map(|c| (c.label, c.detail))
            .collect();
    assert_eq!(ports[0], ("80".to_string(), Some("HTTP".to_string())));
    assert!(ports.iter().any(|(l, _)| l == "8080"), "{ports:?}");

    let memory: Vec<(String, Option<String>)> = labels_at(
        "service web {\n  image = \"x\"\n  cpu = 1024\n  memory = $0\n}\n",
        "$0",
    )
    .into_iter()
    .map(|c| (c.label, c.detail))
    .collect();
    let sizes: Vec<&str> = memory.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(sizes, vec!["2GB", "3GB", "4GB", "5GB", "6GB", "7GB", "8GB"]);
    assert_eq!(memory[0].1.as_deref(), Some("valid with cpu = 1024"));

    let health: Vec<String> = labels_at("service web {\n  image = \"x\"\n  health = $0\n}\n", "$0")
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert_eq!(health, vec!["\"/healthz\"", "\"/health\"", "\"/\""]);

    let kinds: Vec<String> = labels_at("$0", "$0").into_iter().map(|c| c.label).collect();
    assert!(kinds.iter().any(|k| k == "service"), "{kinds:?}");
}

fn apply(text: &str, edits: &[infrac_syntax::TextEdit]) -> String {
    let mut out = text.to_string();
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start()));
    for e in edits {
        out.replace_range(e.span.range(), &e.replacement);
    }
    out
}

#[test]
fn e0208_has_two_quick_fixes_that_each_check_clean() {
    let program =
        "service web {\n  image = \"public.ecr.aws/nginx/nginx:1.27\"\n  target_cpu = 60\n}\n";
    let analysis = analysis_of(program);
    let span = infrac_syntax::Span::new(0, program.len());
    let actions: Vec<_> = infrac_ide::code_actions(&analysis, FileId(0), span)
        .into_iter()
        .filter(|a| a.fixes.is_some_and(|(code, _, _)| code == Code::E0208))
        .collect();
    let titles: Vec<&str> = actions.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        vec!["Add `min = 1` and `max = 4`", "Remove `target_cpu`"]
    );
    let added = apply(program, &actions[0].edits);
    assert_eq!(
        added,
        "service web {\n  image = \"public.ecr.aws/nginx/nginx:1.27\"\n  target_cpu = 60\n  min = 1\n  max = 4\n}\n"
    );
    let removed = apply(program, &actions[1].edits);
    assert_eq!(
        removed,
        "service web {\n  image = \"public.ecr.aws/nginx/nginx:1.27\"\n}\n"
    );
    for fixed in [added, removed] {
        let checked = analysis_of(&fixed);
        assert!(
            checked.checked.diagnostics.is_empty(),
            "{fixed}: {:?}",
            checked.checked.diagnostics
        );
    }
}

#[test]
fn the_service_keyword_is_a_type_token_and_a_service_is_a_symbol() {
    let analysis = analysis_of(GALLERY);
    let start = GALLERY.find("service gallery").expect("service");
    let tokens = infrac_ide::semantic_tokens(&analysis, FileId(0));
    let keyword = tokens
        .iter()
        .find(|t| t.span.start() == start)
        .expect("a token on `service`");
    assert_eq!(keyword.ty, TokenType::Type);
    assert_eq!(keyword.span.len(), "service".len());

    let symbols = infrac_ide::document_symbols(&analysis, FileId(0));
    let gallery = symbols
        .iter()
        .find(|s| s.name == "gallery")
        .expect("the service's symbol");
    assert_eq!(
        gallery.kind,
        SymbolKind::Resource(infrac_syntax::ast::ResourceKind::Service)
    );
    let children: Vec<&str> = gallery.children.iter().map(|c| c.name.as_str()).collect();
    assert!(
        children.contains(&"port") && children.contains(&"health"),
        "{children:?}"
    );
}
