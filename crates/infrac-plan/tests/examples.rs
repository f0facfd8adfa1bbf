//! The plan of every example in `examples/` on an empty state, as a person reads it and as
//! JSON. New examples get new snapshots: write them with `INSTA_UPDATE=always cargo test -p
//! infrac-plan --test examples` and review each before committing it.

mod support;

use infrac_plan::diff;
use infrac_plan::render::{render_human, render_json};

#[test]
fn every_example_plans_on_an_empty_state() {
    let examples = support::examples();
    assert!(!examples.is_empty(), "no examples found");
    for (name, dir) in examples {
        let graph = support::lower_example(&dir);
        let plan = diff(&graph, &support::empty_state(&graph));
        assert_eq!(
            plan.summary.create,
            graph.len(),
            "{name}: everything is created"
        );
        insta::assert_snapshot!(format!("{name}__human"), render_human(&plan, false));
        insta::assert_snapshot!(format!("{name}__json"), render_json(&plan, true));
    }
}
