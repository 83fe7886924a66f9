//! Processes (reference §2.6 against a real container): `ps` inside the container, process
//! trees and their shapes.

use seaworthy::ps::{PsRow, TreeShape};

use crate::{shell, with_helper};

const SCRIPT: &str = "sleep 100 & sleep 100 & wait";

#[tokio::test]
async fn processes_lists_pid_one_and_its_children_without_ps_itself() {
    with_helper(|helper| async move {
        let c = shell("procs", SCRIPT);
        c.setup(&helper).await.unwrap();
        // Both children exist once ps sees them; the shell forks them at once, but retry briefly.
        let mut rows = Vec::new();
        for _ in 0..100 {
            rows = c.processes().await.unwrap();
            if rows.len() == 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[0], PsRow::new(1, 0, "root", format!("sh -c {SCRIPT}")));
        for child in &rows[1..] {
            assert_eq!(
                (child.ppid, child.ruser.as_str(), child.args.as_str()),
                (1, "root", "sleep 100")
            );
        }

        let tree = c.process_tree().await.unwrap();
        assert_eq!(tree.count(), 3);
        let shape = TreeShape::new("root", format!("sh -c {SCRIPT}"))
            .pid(1)
            .ppid(0)
            .children([
                TreeShape::new("root", "sleep 100").ppid(1),
                TreeShape::new("root", "sleep 100").ppid(1),
            ]);
        shape.check(&tree).unwrap();
        assert!(shape.matches(&tree));

        let wrong = TreeShape::new("root", format!("sh -c {SCRIPT}"))
            .child(TreeShape::new("root", "sleep 100"));
        let mismatch = wrong.check(&tree).unwrap_err();
        assert_eq!(mismatch.differences().len(), 1, "{mismatch}");
        assert!(
            mismatch.differences()[0].contains("sleep 100"),
            "{mismatch}"
        );
        assert!(mismatch
            .to_string()
            .starts_with("process tree does not have the expected shape:\n"));
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn processes_show_the_user_they_run_as() {
    with_helper(|helper| async move {
        let c = shell("procuser", "exec sleep 100").user("app");
        c.setup(&helper).await.unwrap();
        let tree = c.process_tree().await.unwrap();
        TreeShape::new("app", "sleep 100")
            .pid(1)
            .check(&tree)
            .unwrap();
        let shape = TreeShape::args_matching("app", r"sleep \d+").unwrap();
        assert!(shape.matches(&tree));
        c.teardown().await.unwrap();
    })
    .await;
}
