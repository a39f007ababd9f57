//! The rustdoc of the whole API (`spec/codegen-all-tags.toml`), generated from the current upstream document
//! and each historical one, reads as written for a Rust user: no HTML shown as escaped text, each operation's
//! OAuth scopes said once, no sent model describing what reading the full object takes, and no doc that only
//! restates a name. Its type names read as chosen: no union variant repeating the name of the type it holds
//! (`MembershipCompact::GoalMembershipCompact`), and no enum a request takes named after a `Compact` or `Base`
//! schema. Generation alone is checked here (fast); `whole_api.rs` compiles the output.

use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use generator::ir::{Api, TypeRef, Usage};
use xtask::codegen::read_config;
use xtask::project_root;

/// HTML elements that Asana's descriptions use or could use; one of them escaped (`\<table>`) is HTML that the
/// docs conversion did not render.
const HTML_ELEMENTS: &[&str] = &[
    "a", "b", "blockquote", "br", "caption", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "img", "li", "ol",
    "p", "pre", "span", "strong", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
];

/// Each distinct upstream document (the newest historical one is the current one again), with the IR and the
/// rendered files of the whole API; generated once for all the tests of this file.
fn whole_api_outputs() -> &'static [(String, Api, generator::Generated)] {
    static OUTPUTS: OnceLock<Vec<(String, Api, generator::Generated)>> = OnceLock::new();
    OUTPUTS.get_or_init(generate_whole_api)
}

fn generate_whole_api() -> Vec<(String, Api, generator::Generated)> {
    let missing = |missing: xtask::upstream::Missing| -> ! {
        panic!("{missing}. This test generates the whole API from each of Asana's documents.")
    };
    let mut documents: Vec<(String, PathBuf)> =
        vec![("current".to_owned(), xtask::upstream::current_spec().unwrap_or_else(|err| missing(err)))];
    let history = xtask::upstream::history_specs().unwrap_or_else(|err| missing(err));
    documents.extend(history.into_iter().map(|(document, path)| (document.published.to_owned(), path)));
    let config = read_config(&project_root().join("spec/codegen-all-tags.toml")).unwrap_or_else(|err| panic!("{err}"));
    let mut texts: Vec<(String, String)> = Vec::new();
    for (name, path) in documents {
        let text = fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        if !texts.iter().any(|(_, seen)| *seen == text) {
            texts.push((name, text));
        }
    }
    std::thread::scope(|scope| {
        let runs: Vec<_> = texts.iter().map(|(name, text)| {
            let config = &config;
            scope.spawn(move || {
                let document = generator::load::Document::parse("asana_oas.yaml", text).unwrap_or_else(|err| panic!("{name}: {err}"));
                let selection = generator::select::select(&document, config).unwrap_or_else(|err| panic!("{name}: {err}"));
                let api = generator::lower::lower(&selection, config, &mut Vec::new()).unwrap_or_else(|err| panic!("{name}: {err}"));
                let generated = generator::render(&api).unwrap_or_else(|err| panic!("{name}: {err}"));
                (name.clone(), api, generated)
            })
        }).collect();
        runs.into_iter().map(|run| run.join().expect("generation thread")).collect()
    })
}

/// The doc comments of a Rust file, one string per commented item (consecutive `///` lines), with the line of
/// the first.
fn doc_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks: Vec<(usize, String)> = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        match line.trim_start().strip_prefix("///") {
            Some(doc) => {
                let (_, block) = current.get_or_insert_with(|| (index + 1, String::new()));
                block.push_str(doc.strip_prefix(' ').unwrap_or(doc));
                block.push('\n');
            }
            None => blocks.extend(current.take()),
        }
    }
    blocks.extend(current);
    blocks
}

/// The first HTML element written as escaped text in `doc` (`\<table>`, `\</td>`).
fn escaped_html(doc: &str) -> Option<String> {
    doc.match_indices("\\<").find_map(|(at, _)| {
        let tag = doc[at + 2..].trim_start_matches('/');
        let name: String = tag.chars().take_while(char::is_ascii_alphanumeric).collect();
        let after = tag[name.len()..].chars().next();
        (HTML_ELEMENTS.contains(&name.to_ascii_lowercase().as_str()) && matches!(after, Some('>' | ' ' | '/')))
            .then(|| doc[at..].chars().take(40).collect())
    })
}

/// A doc that only restates the name of what it documents: without its code spans and links, the words
/// that are left are one of the name-only patterns.
fn is_placeholder(doc: &str) -> bool {
    let mut words = String::new();
    let mut in_code = false;
    for c in doc.trim().chars() {
        match c {
            '`' => in_code = !in_code,
            _ if in_code => {}
            _ => words.push(c),
        }
    }
    let words: Vec<&str> = words.split_whitespace().collect();
    matches!(
        words.join(" ").as_str(),
        "The object of the Asana API." | "The field." | "The parameter." | "The part of the form." | "The request body's ."
    )
}

#[test]
fn whole_api_docs_render_html_state_scopes_once_and_describe_every_item() {
    let mut problems: Vec<String> = Vec::new();
    let outputs = whole_api_outputs();
    assert!(outputs.len() >= 3, "the current document and at least two older ones");
    for (name, api, generated) in outputs {
        for file in generated.files.iter().filter(|file| file.path.ends_with(".rs")) {
            for (line, doc) in doc_blocks(&file.contents) {
                let place = format!("{name}: {}:{line}", file.path);
                if let Some(html) = escaped_html(&doc) {
                    problems.push(format!("{place}: HTML shown as text: {html}"));
                }
                let lower = doc.to_ascii_lowercase();
                if lower.contains("(oauth scope") && lower.contains("**required scope") {
                    problems.push(format!("{place}: the operation's scope is said twice"));
                }
                if is_placeholder(&doc) {
                    problems.push(format!("{place}: placeholder doc `{}`", doc.trim()));
                }
            }
        }
        for model in api.models.iter().filter(|model| model.usage == Usage::Request) {
            let docs = std::iter::once(("", &model.doc)).chain(model.fields.iter().map(|field| (field.json_name.as_str(), &field.doc)));
            for (field, doc) in docs {
                if doc.to_ascii_lowercase().contains("requires scope") {
                    problems.push(format!("{name}: sent model `{}` {field}: says what reading it requires: {doc}", model.name));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} problems in the whole API's docs:\n{}", problems.len(), problems.join("\n"));
}

/// The enum types that a model's field holds, through lists and maps.
fn enums_in(ty: &TypeRef) -> Option<&generator::ir::TypeName> {
    match ty {
        TypeRef::Enum(name) => Some(name),
        TypeRef::List(item) | TypeRef::Map(item) => enums_in(item),
        _ => None,
    }
}

/// Whether the enum `name` of the property `property` is named after a schema for one representation of a
/// resource (`TaskCompact`, `RbacRoleBase`): `Compact` or `Base` is among its words, not counting those of the
/// property (`base_role_type`) nor the words inside another one (`Database`).
fn names_a_representation(name: &str, property: &str) -> bool {
    let starts: Vec<usize> = name.char_indices().filter(|(_, c)| c.is_ascii_uppercase()).map(|(at, _)| at).chain([name.len()]).collect();
    let mut words: Vec<String> = starts.windows(2).map(|word| name[word[0]..word[1]].to_ascii_lowercase()).collect();
    if words.last().is_some_and(|word| word == "item") {
        words.pop();
    }
    let property: Vec<String> = property.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_ascii_lowercase).collect();
    if words.ends_with(&property) {
        words.truncate(words.len() - property.len());
    }
    words.iter().any(|word| word == "compact" || word == "base")
}

#[test]
fn whole_api_type_names_say_what_tells_values_apart() {
    let mut problems: Vec<String> = Vec::new();
    for (name, api, _) in whole_api_outputs() {
        for union in &api.unions {
            for variant in &union.variants {
                if matches!(&variant.ty, TypeRef::Model(ty) if *ty == variant.name) {
                    problems.push(format!("{name}: union `{}` repeats its member's full name in the variant `{}`", union.name, variant.name));
                }
            }
        }
        for model in api.models.iter().filter(|model| model.usage.is_sent()) {
            for field in &model.fields {
                if let Some(ty) = enums_in(&field.ty).filter(|ty| names_a_representation(ty.as_str(), &field.json_name)) {
                    problems.push(format!("{name}: request model `{}` field `{}` takes the enum `{ty}`", model.name, field.json_name));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} problems in the whole API's type names:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_checks_find_what_they_look_for() {
    assert!(names_a_representation("TaskCompactResourceSubtype", "resource_subtype"));
    assert!(names_a_representation("TaskBaseApprovalStatus", "approval_status"));
    assert!(names_a_representation("RbacRoleBaseBaseRoleType", "base_role_type"));
    assert!(names_a_representation("CustomFieldCompactInputRestrictionsItem", "input_restrictions"));
    assert!(!names_a_representation("BaseRoleType", "base_role_type"));
    assert!(!names_a_representation("DatabaseKind", "kind"));
    assert!(!names_a_representation("TaskResourceSubtype", "resource_subtype"));
    assert_eq!(escaped_html("a \\<table>\\<tr>"), Some("\\<table>\\<tr>".to_owned()));
    assert_eq!(escaped_html("see \\</td> x"), Some("\\</td> x".to_owned()));
    assert_eq!(escaped_html("takes Vec\\<String> and \\<PARAM>"), None);
    assert!(is_placeholder("The `Thing` object of the Asana API.\n"));
    assert!(is_placeholder("The `gid` field."));
    assert!(!is_placeholder("`gid`: a string, for example `1234`."));
    let blocks = doc_blocks("/// One\n///\n/// two\nfn a() {}\n    /// Three\n    fn b() {}\n");
    assert_eq!(blocks, [(1, "One\n\ntwo\n".to_owned()), (5, "Three\n".to_owned())]);
}
