//! Every code's explanation holds up: its wrong example produces the code, its fixed example
//! checks clean (no errors and no warnings), on a pinned day (runtime deprecations move).

use infrac_check::explain::{all, explain};
use infrac_check::Date;
use infrac_syntax::Code;

const DAY: Date = Date::ymd(2026, 11, 29);

#[test]
fn every_wrong_example_produces_its_code_and_every_fixed_one_checks_clean() {
    let mut failures = Vec::new();
    for e in all() {
        let wrong = e.check_example(e.wrong, DAY);
        if !wrong.iter().any(|d| d.code == e.code) {
            failures.push(format!(
                "{}: the wrong example gives {:?}, not {}",
                e.code,
                wrong
                    .iter()
                    .map(|d| (d.code, &d.message))
                    .collect::<Vec<_>>(),
                e.code
            ));
        }
        let fixed = e.check_example(e.fixed, DAY);
        if !fixed.is_empty() {
            failures.push(format!(
                "{}: the fixed example gives {:?}",
                e.code,
                fixed
                    .iter()
                    .map(|d| (d.code, &d.message))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_code_is_explained_under_its_own_code() {
    for &code in Code::ALL {
        assert_eq!(explain(code).code, code);
        assert!(!explain(code).meaning.is_empty());
    }
}

#[test]
fn explain_e0206_says_the_fargate_rule() {
    insta::assert_snapshot!(explain(Code::E0206).to_text());
}

#[test]
fn links_point_at_aws_documentation() {
    for e in all() {
        if let Some(link) = e.link {
            assert!(
                link.starts_with("https://docs.aws.amazon.com/"),
                "{}: {link}",
                e.code
            );
            assert!(
                e.aws_rule.is_some(),
                "{}: a link without the rule it documents",
                e.code
            );
        }
    }
}

#[test]
fn each_code_has_a_url_for_editors() {
    let url = explain(Code::E0206).reference_url();
    assert!(url.ends_with("/docs/reference.md#e0206"), "{url}");
    assert!(url.starts_with("https://"), "{url}");
}
