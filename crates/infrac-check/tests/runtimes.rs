//! Lambda's runtime deprecations, as the checker sees them on different days: the same
//! program is supported, then deprecated (W0002), then refused (E0204) as AWS's dates pass.

use infrac_check::explain::explain;
use infrac_check::schema::{current_runtimes, runtime, RuntimeStatus, RUNTIMES};
use infrac_check::Date;
use infrac_syntax::Code;

/// What `infrac check` says about a function on `nodejs20.x`, day by day.
fn say(day: Date) -> String {
    let program = "bucket media {}\nfunction f {\n  runtime = \"nodejs20.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nmedia.on_put() -> function f\n";
    // The W0002 explanation's folder holds `src/`, so only the runtime can be wrong here.
    let diagnostics = explain(Code::W0002).check_example(program, day);
    let lines: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {}{}",
                d.code,
                d.message,
                d.help
                    .as_ref()
                    .map(|h| format!(" (help: {h})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    if lines.is_empty() {
        format!("{day}: clean")
    } else {
        format!("{day}: {}", lines.join("; "))
    }
}

#[test]
fn nodejs20_through_its_retirement() {
    let days = [
        Date::ymd(2026, 4, 29),
        Date::ymd(2026, 4, 30),
        Date::ymd(2026, 8, 30),
        Date::ymd(2026, 8, 31),
        Date::ymd(2026, 9, 30),
    ];
    let out: Vec<String> = days.into_iter().map(say).collect();
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn the_dates_of_each_runtime_come_in_order() {
    for r in RUNTIMES {
        assert!(
            r.deprecated <= r.block_create && r.block_create <= r.block_update,
            "{}: deprecated {}, block create {}, block update {}",
            r.name,
            r.deprecated,
            r.block_create,
            r.block_update
        );
    }
}

#[test]
fn runtimes_are_listed_once_and_each_family_starts_with_its_newest() {
    for (i, r) in RUNTIMES.iter().enumerate() {
        assert!(
            RUNTIMES[..i].iter().all(|o| o.name != r.name),
            "{} is listed twice",
            r.name
        );
        // The first of a family is what the checker suggests; nothing of the family lasts longer.
        let first = RUNTIMES
            .iter()
            .find(|o| o.family == r.family)
            .expect("its own family");
        assert!(
            first.block_update >= r.block_update,
            "{} outlives {}, the first of its family",
            r.name,
            first.name
        );
    }
}

#[test]
fn what_a_new_function_may_use_on_a_given_day() {
    let day = Date::ymd(2026, 11, 29);
    let names: Vec<&str> = current_runtimes(day).map(|r| r.name).collect();
    assert!(names.contains(&"nodejs24.x") && names.contains(&"python3.14"));
    assert!(!names.contains(&"nodejs20.x") && !names.contains(&"dotnet8"));
    let node20 = runtime("nodejs20.x").expect("in the table");
    assert_eq!(node20.status(day), RuntimeStatus::UpdateBlocked);
    assert_eq!(node20.successor(day).map(|r| r.name), Some("nodejs24.x"));
    assert_eq!(
        runtime("dotnet8").map(|r| r.status(day)),
        Some(RuntimeStatus::Deprecated)
    );
    // Go 1.x is followed by the OS-only runtime, as AWS advises.
    assert_eq!(
        runtime("go1.x")
            .and_then(|r| r.successor(day))
            .map(|r| r.name),
        Some("provided.al2023")
    );
}
