//! Tag planning: a pure function from the parsed options to the `docker tag` and
//! `docker push` steps, in 0.3.0's order (every tag of every image, then every push).

use crate::errors::PlanError;
use crate::reference::{check_target, join_image_tag, parse_source, RegistryTagger};
use crate::version::{generate_semver_versions, Role, VersionTagger};

/// What to tag and push, after the command line's checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Settings {
    /// The image arguments, in order.
    pub(crate) images: Vec<String>,
    /// The `--tag` values, flattened in order; `None` when `--tag` was not given.
    pub(crate) tags: Option<Vec<String>>,
    /// The `--version` value; `None` when missing or empty.
    pub(crate) version: Option<String>,
    /// `--version-latest`.
    pub(crate) version_latest: bool,
    /// `--version-semver`.
    pub(crate) version_semver: bool,
    /// `--semver-precision`; 0 when not given (and then acts as 1).
    pub(crate) semver_precision: i128,
    /// `--semver-zero`.
    pub(crate) semver_zero: bool,
    /// The `--registry` value; `None` when missing or empty.
    pub(crate) registry: Option<String>,
}

/// One thing the runner does (or prints, with `--dry-run`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// `docker tag SOURCE TARGET`.
    Tag {
        /// The image argument.
        source: String,
        /// The reference to create.
        target: String,
    },
    /// A target equal to its image argument: nothing runs (`--verbose` says so).
    SkipSelfTag {
        /// The image argument.
        image: String,
    },
    /// `docker push TARGET`.
    Push {
        /// The reference to push.
        target: String,
    },
}

/// One reference an image argument is tagged as, and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The reference (`reg:5000/app:1.2`).
    pub(crate) reference: String,
    /// What its tag stands for.
    pub(crate) role: Role,
}

/// One image argument and its targets, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageTargets {
    /// The image argument.
    pub(crate) image: String,
    /// Its targets.
    pub(crate) targets: Vec<Target>,
}

/// The references one image argument is tagged as, in order.
///
/// This is 0.3.0's `generate_tags`, plus checks that every reference is one Docker accepts.
/// `tags` applies to every image (0.3.0 used it up on the first image).
fn generate_tags(
    image: &str,
    tags: Option<&[String]>,
    version_tagger: Option<&VersionTagger>,
    registry_tagger: Option<&RegistryTagger>,
) -> Result<Vec<Target>, PlanError> {
    let source = parse_source(image)?;
    let name = match registry_tagger {
        Some(tagger) => tagger.generate_tag(&source.name)?,
        None => source.name.clone(),
    };
    let base_tags: Vec<Option<String>> = match tags {
        Some(tags) => tags.iter().cloned().map(Some).collect(),
        None => vec![source.tag.clone()],
    };
    let new_tags: Vec<(Option<String>, Role)> = match version_tagger {
        Some(tagger) => base_tags
            .iter()
            .flat_map(|tag| tagger.generate_tags_with_roles(tag.as_deref()))
            .map(|(tag, role)| (Some(tag), role))
            .collect(),
        None => base_tags
            .into_iter()
            .map(|tag| (tag, Role::Plain))
            .collect(),
    };
    new_tags
        .into_iter()
        .map(|(tag, role)| {
            check_target(image, &name, tag.as_deref())?;
            Ok(Target {
                reference: join_image_tag(&name, tag.as_deref()),
                role,
            })
        })
        .collect()
}

/// Every image argument with the references it is tagged as, in order; checked before
/// anything runs. Both the docker CLI steps ([`plan`]) and registry mode use it.
pub(crate) fn targets(settings: &Settings) -> Result<Vec<ImageTargets>, PlanError> {
    let version_tagger = match &settings.version {
        Some(version) => {
            let versions = if settings.version_semver {
                let precision = match settings.semver_precision {
                    0 => 1,
                    precision => precision,
                };
                generate_semver_versions(version, precision, settings.semver_zero)?
            } else {
                vec![version.clone()]
            };
            Some(VersionTagger::new(versions, settings.version_latest))
        }
        None => None,
    };
    let registry_tagger = settings.registry.as_deref().map(RegistryTagger::new);

    settings
        .images
        .iter()
        .map(|image| {
            let targets = generate_tags(
                image,
                settings.tags.as_deref(),
                version_tagger.as_ref(),
                registry_tagger.as_ref(),
            )?;
            Ok(ImageTargets {
                image: image.clone(),
                targets,
            })
        })
        .collect()
}

/// Plans every step for `settings`, or says why it cannot, before anything runs.
#[cfg(test)]
pub(crate) fn plan(settings: &Settings) -> Result<Vec<Step>, PlanError> {
    Ok(steps(&targets(settings)?))
}

/// The docker CLI steps for `tag_map`: every tag of every image, then every push.
pub(crate) fn steps(tag_map: &[ImageTargets]) -> Vec<Step> {
    let mut steps = Vec::new();
    for ImageTargets { image, targets } in tag_map {
        for Target {
            reference: target, ..
        } in targets
        {
            steps.push(if target == image {
                Step::SkipSelfTag {
                    image: image.clone(),
                }
            } else {
                Step::Tag {
                    source: image.clone(),
                    target: target.clone(),
                }
            });
        }
    }
    for ImageTargets { targets, .. } in tag_map {
        steps.extend(targets.iter().map(|target| Step::Push {
            target: target.reference.clone(),
        }));
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn tags_for(image: &str, tags: Option<&[&str]>, versions: Option<&[&str]>) -> Vec<String> {
        let tags = tags.map(strings);
        let tagger = versions.map(|v| VersionTagger::new(strings(v), false));
        generate_tags(image, tags.as_deref(), tagger.as_ref(), None)
            .unwrap()
            .into_iter()
            .map(|target| target.reference)
            .collect()
    }

    // 0.3.0's TestGenerateTagsFunc.
    #[test]
    fn no_tags() {
        assert_eq!(tags_for("test-image", None, None), ["test-image"]);
    }

    #[test]
    fn no_tags_existing_tag() {
        assert_eq!(tags_for("test-image:abc", None, None), ["test-image:abc"]);
    }

    #[test]
    fn tags() {
        assert_eq!(
            tags_for("test-image", Some(&["abc", "def"]), None),
            ["test-image:abc", "test-image:def"]
        );
    }

    #[test]
    fn tag_existing_tag() {
        assert_eq!(
            tags_for("test-image:abc", Some(&["def", "ghi"]), None),
            ["test-image:def", "test-image:ghi"]
        );
    }

    #[test]
    fn version_new_tag_is_latest() {
        assert_eq!(
            tags_for("test-image:abc", Some(&["latest"]), Some(&["1.2.3"])),
            ["test-image:1.2.3"]
        );
    }

    #[test]
    fn version_new_tag_is_latest_with_version() {
        assert_eq!(
            tags_for("test-image:abc", Some(&["1.2.3-latest"]), Some(&["1.2.3"])),
            ["test-image:1.2.3"]
        );
    }

    fn settings(images: &[&str]) -> Settings {
        Settings {
            images: strings(images),
            ..Settings::default()
        }
    }

    #[test]
    fn tag_applies_to_every_image() {
        let steps = plan(&Settings {
            tags: Some(strings(&["a"])),
            ..settings(&["img:x", "img:y"])
        })
        .unwrap();
        assert_eq!(
            steps,
            [
                Step::Tag {
                    source: "img:x".into(),
                    target: "img:a".into()
                },
                Step::Tag {
                    source: "img:y".into(),
                    target: "img:a".into()
                },
                Step::Push {
                    target: "img:a".into()
                },
                Step::Push {
                    target: "img:a".into()
                },
            ]
        );
    }

    #[test]
    fn self_tag_is_skipped_but_pushed() {
        let steps = plan(&Settings {
            version: Some("1.2.3".into()),
            version_latest: true,
            ..settings(&["img:1.2.3"])
        })
        .unwrap();
        assert_eq!(
            steps,
            [
                Step::SkipSelfTag {
                    image: "img:1.2.3".into()
                },
                Step::Tag {
                    source: "img:1.2.3".into(),
                    target: "img:latest".into()
                },
                Step::Push {
                    target: "img:1.2.3".into()
                },
                Step::Push {
                    target: "img:latest".into()
                },
            ]
        );
    }

    #[test]
    fn any_bad_image_stops_the_plan() {
        let err = plan(&settings(&["good", "Bad"])).unwrap_err();
        assert_eq!(err.to_string(), "Unable to parse image tag 'Bad'");
    }

    #[test]
    fn bad_generated_references_stop_the_plan() {
        let err = plan(&Settings {
            tags: Some(strings(&["bad tag!"])),
            ..settings(&["img"])
        })
        .unwrap_err();
        assert_eq!(
            err,
            PlanError::InvalidTag {
                image: "img".into(),
                tag: "bad tag!".into()
            }
        );
        let err = plan(&Settings {
            registry: Some("reg:5000/".into()),
            ..settings(&["img:1"])
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "repository name `reg:5000//img` made for `img:1` is not a valid Docker repository name (check --registry)"
        );
        let err = plan(&Settings {
            version: Some("1.2.3+build.5".into()),
            ..settings(&["img"])
        })
        .unwrap_err();
        assert!(matches!(err, PlanError::InvalidTag { .. }), "{err:?}");
    }

    #[test]
    fn digest_sources_tag_their_name() {
        let source = format!("img@sha256:{}", "0".repeat(64));
        let steps = plan(&Settings {
            version: Some("1.2.3".into()),
            ..settings(&[&source])
        })
        .unwrap();
        assert_eq!(
            steps,
            [
                Step::Tag {
                    source: source.clone(),
                    target: "img:1.2.3".into()
                },
                Step::Push {
                    target: "img:1.2.3".into()
                },
            ]
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Image names: plain, with an organisation, and with a registry of their own.
    const NAMES: [&str; 3] = ["img", "org/img", "registry:5000/img"];
    /// Tags, of images and of `--tag`: some are versions, some start with one, `''` is none.
    const TAGS: [&str; 11] = [
        "",
        "alpine",
        "latest",
        "0",
        "1",
        "1.2",
        "1.2.3",
        "0.1.2",
        "1.2.3-alpine",
        "1-x",
        "2.0.1",
    ];

    fn tag() -> impl Strategy<Value = String> {
        prop::sample::select(TAGS.to_vec()).prop_map(str::to_owned)
    }

    fn image() -> impl Strategy<Value = String> {
        (prop::sample::select(NAMES.to_vec()), tag()).prop_map(|(name, tag)| {
            if tag.is_empty() {
                name.to_owned()
            } else {
                format!("{name}:{tag}")
            }
        })
    }

    fn settings() -> impl Strategy<Value = Settings> {
        (
            prop::collection::vec(image(), 1..3),
            prop::option::of(prop::collection::vec(tag(), 1..3)),
            prop::option::of([0..3u8, 0..3u8, 0..3u8]),
            any::<(bool, bool, bool)>(),
            -1..5i128,
            prop::option::of(prop::sample::select(vec!["reg:5000", "quay.io/org"])),
        )
            .prop_map(
                |(images, tags, version, (latest, semver, zero), precision, registry)| Settings {
                    images,
                    tags,
                    version: version.map(|[x, y, z]| format!("{x}.{y}.{z}")),
                    version_latest: latest,
                    version_semver: semver,
                    semver_precision: precision,
                    semver_zero: zero,
                    registry: registry.map(str::to_owned),
                },
            )
    }

    /// The README's rules, written out for `X.Y.Z` versions and the names and tags above.
    fn model(settings: &Settings) -> Result<Vec<Step>, String> {
        // -V, -S, -P, -Z: the versions, longest first.
        let versions: Option<Vec<String>> = match &settings.version {
            None => None,
            Some(version) if settings.version_semver => {
                let parts: Vec<&str> = version.split('.').collect();
                let precision = settings.semver_precision.max(1);
                if precision > 3 {
                    return Err(format!(
                        "The minimum precision ({precision}) is greater than the precision of version '{version}' (3)"
                    ));
                }
                let keep = 4 - usize::try_from(precision).expect("1 to 3");
                let mut versions: Vec<String> =
                    (0..keep).map(|cut| parts[..3 - cut].join(".")).collect();
                if !settings.semver_zero
                    && versions.len() > 1
                    && versions.last().is_some_and(|v| v == "0")
                {
                    versions.pop();
                }
                Some(versions)
            }
            Some(version) => Some(vec![version.clone()]),
        };
        let mut tagged: Vec<(String, Vec<String>)> = Vec::new();
        for image in &settings.images {
            let (name, own_tag) = match image.rsplit_once(':') {
                Some((name, tag)) if !tag.contains('/') => (name, Some(tag.to_owned())),
                _ => (image.as_str(), None),
            };
            // -r: in front of the name, replacing the name's own registry.
            let name = match &settings.registry {
                None => name.to_owned(),
                Some(registry) => {
                    let own = name
                        .split_once('/')
                        .filter(|(first, _)| first.contains([':', '.']));
                    format!("{registry}/{}", own.map_or(name, |(_, rest)| rest))
                }
            };
            // -t: instead of the image's tag.
            let base_tags: Vec<Option<String>> = match &settings.tags {
                Some(tags) => tags.iter().cloned().map(Some).collect(),
                None => vec![own_tag],
            };
            let mut tags: Vec<String> = Vec::new();
            for base in base_tags {
                let Some(versions) = &versions else {
                    tags.push(base.unwrap_or_default());
                    continue;
                };
                // A version at the tag's front is replaced.
                let rest = base.map(|tag| {
                    versions
                        .iter()
                        .find_map(|v| {
                            if tag == *v {
                                Some(String::new())
                            } else {
                                tag.strip_prefix(&format!("{v}-")).map(str::to_owned)
                            }
                        })
                        .unwrap_or(tag)
                });
                match rest.as_deref() {
                    Some(rest) if !rest.is_empty() && rest != "latest" => {
                        tags.extend(versions.iter().map(|v| format!("{v}-{rest}")));
                    }
                    _ => tags.extend(versions.iter().cloned()),
                }
                // -L: the tag without its version, or `latest`.
                if settings.version_latest {
                    tags.push(
                        rest.filter(|r| !r.is_empty())
                            .unwrap_or_else(|| "latest".to_owned()),
                    );
                }
            }
            let targets = tags
                .into_iter()
                .map(|tag| {
                    if tag.is_empty() {
                        name.clone()
                    } else {
                        format!("{name}:{tag}")
                    }
                })
                .collect();
            tagged.push((image.clone(), targets));
        }
        // Every tag of every image, a target equal to its image only pushed; then every push.
        let tag_steps = tagged.iter().flat_map(|(image, targets)| {
            targets.iter().map(move |target| match target == image {
                true => Step::SkipSelfTag {
                    image: image.clone(),
                },
                false => Step::Tag {
                    source: image.clone(),
                    target: target.clone(),
                },
            })
        });
        let push_steps = tagged.iter().flat_map(|(_, targets)| targets.iter());
        Ok(tag_steps
            .chain(push_steps.map(|target| Step::Push {
                target: target.clone(),
            }))
            .collect())
    }

    proptest! {
        /// The plan (or its error) is the one the README's rules give.
        #[test]
        fn plan_as_the_readme_says(settings in settings()) {
            prop_assert_eq!(plan(&settings).map_err(|err| err.to_string()), model(&settings));
        }
    }
}
