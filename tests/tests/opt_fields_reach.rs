//! Every `opt_fields` path of the whole API, in the current upstream document and in each historical one, lands
//! somewhere in the decoded response: a value the caller asked for is never dropped by decoding.

use std::fs;

use generator::ir::Reach;
use xtask::codegen::read_config;
use xtask::project_root;

/// The config users copy to generate the whole API.
const ALL_TAGS_CONFIG: &str = "spec/codegen-all-tags.toml";

#[test]
fn every_opt_fields_path_of_every_document_lands_in_the_response() {
    let missing = |missing: xtask::upstream::Missing| -> ! {
        panic!("{missing}. This test lowers the whole API from each of Asana's documents.")
    };
    let current = xtask::upstream::current_spec().unwrap_or_else(|err| missing(err));
    let mut documents = vec![current.clone()];
    documents.extend(xtask::upstream::history_specs().unwrap_or_else(|err| missing(err)).into_iter().map(|(_, path)| path));
    let config = read_config(&project_root().join(ALL_TAGS_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let mut report = Vec::new();
    let mut dropped = Vec::new();
    for path in documents {
        let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let text = fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let document = generator::load::Document::parse(&name, &text).unwrap_or_else(|err| panic!("{err}"));
        let selection = generator::select::select(&document, &config).unwrap_or_else(|err| panic!("{err}"));
        let api = generator::lower::lower(&selection, &config, &mut Vec::new()).unwrap_or_else(|err| panic!("{err}"));
        let operations: Vec<_> = api.modules.iter().flat_map(|module| &module.operations).collect();
        let (mut paths, mut typed, mut extra, mut lost_paths, mut lost_operations) = (0, 0, 0, 0, 0);
        for operation in &operations {
            let lost: Vec<&str> =
                operation.opt_fields_reach.iter().filter(|r| !r.reach.is_kept()).map(|r| r.path.as_str()).collect();
            paths += operation.opt_fields_reach.len();
            typed += operation.opt_fields_reach.iter().filter(|r| matches!(r.reach, Reach::Field { .. } | Reach::Json)).count();
            extra += operation.opt_fields_reach.iter().filter(|r| matches!(r.reach, Reach::Extra { .. })).count();
            lost_paths += lost.len();
            if !lost.is_empty() {
                lost_operations += 1;
                dropped.push(format!("{name}: {} drops {}", operation.method_name, lost.join(", ")));
            }
        }
        // The current document types every path: lists of compact objects decode as the full resource.
        if path == current {
            assert_eq!(typed, paths, "{name}: every opt_fields path has a typed field");
        }
        let with_opt_fields = operations.iter().filter(|op| !op.opt_fields_reach.is_empty()).count();
        report.push(format!(
            "{name}: {with_opt_fields} operations with opt_fields, {paths} paths: {typed} typed, {extra} in extra maps, \
             {lost_paths} dropped (in {lost_operations} operations)"
        ));
    }
    println!("{}", report.join("\n"));
    assert!(dropped.is_empty(), "{}\n\nopt_fields paths that decoding drops:\n{}", report.join("\n"), dropped.join("\n"));
}
