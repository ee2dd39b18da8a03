//! gitlab.rb as a [`Format`]: which files are gitlab.rb, how one is read,
//! and which of its statements Ruby itself would reject.

use std::path::Path;

use crate::error::SyntaxError;
use crate::format::{FileKind, Format, Role, file_name};
use crate::load::{LoadOptions, LoadProblem, Loaded, Model, ProblemKind, Target};
use crate::secret::is_secret_name;
use crate::source::{FileSystem, read_config};

use super::{GitlabRbFile, GitlabTree, OpaqueHint, StatementKind};

/// GitLab Omnibus `gitlab.rb`.
pub struct GitlabFormat;

impl Format for GitlabFormat {
    fn kind(&self) -> FileKind {
        FileKind::GitlabRb
    }

    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn recognise(&self, path: &Path) -> Option<Role> {
        match file_name(path)?.as_str() {
            "gitlab.rb" => Some(Role::Entry),
            "gitlab.rb.template" => Some(Role::Part),
            _ => None,
        }
    }

    fn check_syntax(&self, path: &Path, bytes: &[u8]) -> Result<(), SyntaxError> {
        crate::template::parse_file(path, bytes.to_vec(), GitlabRbFile::parse, GitlabRbFile::adopt_template)
            .map(|_| ())
            .map_err(|p| match p.kind {
                crate::ProblemKind::Syntax(e) => e,
                other => SyntaxError::at_offset(bytes, p.span, other.to_string()),
            })
    }

    fn load(&self, target: &Target, fs: &dyn FileSystem, _options: &LoadOptions) -> Loaded {
        let path = target.path.as_path();
        let source = match read_config(fs, path) {
            Ok(source) => source,
            Err(reason) => return Loaded::failed(LoadProblem::unreadable(path, reason)),
        };
        match crate::template::parse_file(path, source, GitlabRbFile::parse, GitlabRbFile::adopt_template) {
            Ok((file, mut problems)) => {
                // A placeholder is no Ruby value Ruby rejects: it is what a
                // rendering puts there.
                let holes = file.template().map(|t| t.holes.clone()).unwrap_or_default();
                problems.extend(
                    ruby_rejects(path, &file).into_iter().filter(|p| !holes.iter().any(|h| h.overlaps(&p.span))),
                );
                Loaded { model: Some(Model::Gitlab(GitlabTree::new(path, file))), problems }
            }
            Err(problem) => Loaded::failed(*problem),
        }
    }
}

/// Statements conflint keeps opaque because Ruby itself rejects them:
/// `gitlab-ctl reconfigure` would fail on the file. The message never
/// quotes a value assigned to a secret-like key, and otherwise only the
/// first word of the value.
fn ruby_rejects(path: &Path, file: &GitlabRbFile) -> Vec<LoadProblem> {
    file.statements
        .iter()
        .filter_map(|statement| {
            let StatementKind::Opaque(opaque) = &statement.kind else { return None };
            let (span, message) = match opaque.hint.as_ref()? {
                OpaqueHint::SpaceBeforeIndex { space, .. } => (
                    *space,
                    "Ruby reads `name ['key'] = value` as a method call followed by a stray `=`: a syntax error; remove the space before `[`"
                        .to_string(),
                ),
                OpaqueHint::UnreadableValue { receiver, keys, value } => {
                    let secret = keys.iter().any(|k| is_secret_name(&k.value));
                    let target = format!(
                        "{}{}",
                        file.text(*receiver),
                        keys.iter().map(|k| format!("['{}']", k.value)).collect::<String>()
                    );
                    let message = if secret {
                        format!("the value assigned to `{target}` is not a Ruby value (quote it as a string): Ruby rejects the file")
                    } else {
                        let text = file.text(*value);
                        let word: String = text.split_whitespace().next().unwrap_or_default().chars().take(40).collect();
                        format!(
                            "`{}` is not a Ruby value (a placeholder, an unquoted path, a missing comma?): Ruby rejects the file",
                            crate::text::escape_control(&word)
                        )
                    };
                    (*value, message)
                }
                OpaqueHint::LocalVariable { .. } => return None,
            };
            Some(LoadProblem { path: path.to_path_buf(), span, position: None, kind: ProblemKind::Rejected(message) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryFileSystem;

    #[test]
    fn a_secret_never_reaches_a_message() {
        let mut fs = MemoryFileSystem::new();
        fs.insert("/etc/gitlab/gitlab.rb", "gitlab_rails['smtp_password'] = <hunter2 secret>\n");
        let loaded =
            crate::load::Target::tree(FileKind::GitlabRb, "/etc/gitlab/gitlab.rb").load(&fs, &LoadOptions::default());
        assert_eq!(loaded.problems.len(), 1);
        let message = loaded.problems[0].kind.to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("smtp_password"), "{message}");
    }
}
