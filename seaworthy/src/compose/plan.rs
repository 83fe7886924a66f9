//! Which services run (profiles) and in what order (`depends_on`): pure logic.

use super::error::ComposeError;
use super::parse::{Project, Service};

/// The services the active `profiles` enable: those without profiles, and those with one of
/// them. A dependency of an enabled service must be enabled too.
pub(crate) fn enabled<'p>(
    project: &'p Project,
    profiles: &[String],
) -> Result<Vec<&'p Service>, ComposeError> {
    let on = |s: &Service| s.profiles.is_empty() || s.profiles.iter().any(|p| profiles.contains(p));
    let services: Vec<&Service> = project.services.iter().filter(|s| on(s)).collect();
    for s in &services {
        for (dep, _) in &s.depends_on {
            if !services.iter().any(|x| &x.name == dep) {
                let needs = project
                    .services
                    .iter()
                    .find(|x| &x.name == dep)
                    .map(|x| x.profiles.join(", "))
                    .unwrap_or_default();
                return Err(ComposeError::Invalid {
                    file: project.file.clone(),
                    line: s.depends_line,
                    reason: format!(
                        "service `{}` depends on `{dep}`, which runs only with profile(s) {needs}; \
                         the active profiles are [{}]\n(hint: enable one with `ComposeStack::profile`)",
                        s.name,
                        profiles.join(", ")
                    ),
                });
            }
        }
    }
    Ok(services)
}

/// The services in an order that starts each after its dependencies (ties in the file's
/// order, which is alphabetical); a cycle is an error naming the services on it.
pub(crate) fn start_order<'p>(
    file: &str,
    services: &[&'p Service],
) -> Result<Vec<&'p Service>, ComposeError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Visiting,
        Done,
    }
    fn visit<'p>(
        i: usize,
        services: &[&'p Service],
        marks: &mut Vec<Mark>,
        path: &mut Vec<usize>,
        out: &mut Vec<&'p Service>,
    ) -> Result<(), Vec<String>> {
        match marks[i] {
            Mark::Done => return Ok(()),
            Mark::Visiting => {
                let start = path.iter().position(|&p| p == i).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..]
                    .iter()
                    .map(|&p| services[p].name.clone())
                    .collect();
                cycle.push(services[i].name.clone());
                return Err(cycle);
            }
            Mark::New => {}
        }
        marks[i] = Mark::Visiting;
        path.push(i);
        for (dep, _) in &services[i].depends_on {
            if let Some(j) = services.iter().position(|s| &s.name == dep) {
                visit(j, services, marks, path, out)?;
            }
        }
        path.pop();
        marks[i] = Mark::Done;
        out.push(services[i]);
        Ok(())
    }
    let mut marks = vec![Mark::New; services.len()];
    let mut out = Vec::with_capacity(services.len());
    for i in 0..services.len() {
        visit(i, services, &mut marks, &mut Vec::new(), &mut out).map_err(|cycle| {
            ComposeError::Cycle {
                file: file.to_string(),
                cycle,
            }
        })?;
    }
    Ok(out)
}

#[cfg(test)]
mod should {
    use std::path::Path;

    use super::*;
    use crate::compose::parse::parse;

    fn project(text: &str) -> Project {
        parse("compose.yaml", text, Path::new("/srv/app")).unwrap()
    }

    fn order(p: &Project, profiles: &[&str]) -> Result<Vec<String>, String> {
        let profiles: Vec<String> = profiles.iter().map(|s| s.to_string()).collect();
        let on = enabled(p, &profiles).map_err(|e| e.to_string())?;
        Ok(start_order(&p.file, &on)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|s| s.name.clone())
            .collect())
    }

    #[test]
    fn start_dependencies_first() {
        let p = project(
            "services:\n  a:\n    image: x\n    depends_on: [c]\n  b:\n    image: x\n  c:\n    image: x\n    depends_on: {d: {condition: service_healthy}}\n  d:\n    image: x\n",
        );
        assert_eq!(order(&p, &[]).unwrap(), ["d", "c", "a", "b"]);
    }

    #[test]
    fn name_every_service_on_a_cycle() {
        let p = project(
            "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    depends_on: [a]\n",
        );
        let e = order(&p, &[]).unwrap_err();
        assert!(e.contains("`depends_on` cycle: a -> b -> c -> a"), "{e}");
        let p = project("services:\n  a:\n    image: x\n    depends_on: [a]\n");
        assert!(order(&p, &[]).unwrap_err().contains("cycle: a -> a"));
    }

    #[test]
    fn run_profiled_services_only_when_enabled() {
        let p = project(
            "services:\n  app:\n    image: x\n  debug:\n    image: x\n    profiles: [dev, tools]\n",
        );
        assert_eq!(order(&p, &[]).unwrap(), ["app"]);
        assert_eq!(order(&p, &["tools"]).unwrap(), ["app", "debug"]);
        let p = project(
            "services:\n  app:\n    image: x\n    depends_on: [debug]\n  debug:\n    image: x\n    profiles: [dev]\n",
        );
        let e = order(&p, &[]).unwrap_err();
        assert!(
            e.contains("line 4")
                && e.contains("depends on `debug`, which runs only with profile(s) dev"),
            "{e}"
        );
        assert_eq!(order(&p, &["dev"]).unwrap(), ["debug", "app"]);
    }
}
