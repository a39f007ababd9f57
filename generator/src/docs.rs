//! Spec descriptions (CommonMark with some inline HTML) to rustdoc Markdown.
//!
//! The text is parsed with pulldown-cmark, rewritten event by event, and printed back with
//! pulldown-cmark-to-cmark. The rewrites are what rustdoc needs:
//! - inline HTML that Asana uses (`<b>`, `<i>`, `<code>`, `<a href>`, `<br>`, ...) becomes Markdown, an HTML
//!   `<table>` block a Markdown table, and any other tag-like text becomes plain text, so
//!   `rustdoc::invalid_html_tags` stays quiet;
//! - every code block becomes a `text` block, because rustdoc would compile untagged blocks as doctests;
//! - relative links (`/reference/events`) point at Asana's developer site;
//! - bare URLs become autolinks (`rustdoc::bare_urls`), and brackets that are not links are escaped
//!   (`rustdoc::broken_intra_doc_links`).

use pulldown_cmark::{Alignment, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Site that relative links in the spec point into.
pub const DOCS_SITE: &str = "https://developers.asana.com";

/// Converts a spec description into rustdoc Markdown (trimmed; empty input gives an empty string).
pub fn to_rustdoc(text: &str) -> String {
    let mut events = Vec::new();
    let mut html = HtmlState::default();
    let mut in_code_block = false;
    let mut link_depth = 0usize;
    let mut html_block: Option<Vec<Event<'_>>> = None;
    let mut dropped_links: Vec<usize> = Vec::new();
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code_block = true;
                events.push(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(non_rust(kind)))));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                // The printer puts the closing fence right after the last text: it needs its own line.
                if matches!(events.last(), Some(Event::Text(text)) if !text.ends_with('\n')) {
                    events.push(Event::Text(CowStr::Borrowed("\n")));
                }
                events.push(Event::End(TagEnd::CodeBlock));
            }
            // rustdoc would try to resolve a target like `Foo` as an item path: such links keep their text only.
            Event::Start(Tag::Link { dest_url, .. }) if !is_url_like(&dest_url) => dropped_links.push(link_depth),
            Event::End(TagEnd::Link) if dropped_links.last() == Some(&link_depth) => {
                dropped_links.pop();
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                link_depth += 1;
                events.push(Event::Start(Tag::Link { link_type, dest_url: absolute(dest_url), title, id }));
            }
            Event::End(TagEnd::Link) => {
                link_depth = link_depth.saturating_sub(1);
                events.push(Event::End(TagEnd::Link));
            }
            Event::InlineHtml(tag) if !in_code_block => html.convert(&tag, &mut events, false),
            // A block of HTML (lines starting with `<p>`, say) becomes a paragraph of its converted content.
            Event::Start(Tag::HtmlBlock) => html_block = Some(Vec::new()),
            Event::End(TagEnd::HtmlBlock) => push_html_block(html_block.take().unwrap_or_default(), &mut events),
            Event::Html(block) => match &mut html_block {
                Some(inline) => html.convert(&block, inline, true),
                None => html.convert(&block, &mut events, false),
            },
            Event::Text(text) if !in_code_block && html.in_code => html.code.push_str(&text),
            Event::Text(text) if !in_code_block && link_depth == 0 => push_text_with_autolinks(text, &mut events),
            other => events.push(other),
        }
    }
    // A table whose `</table>` never came ends with the text.
    if let Some(table) = html.table.take() {
        events.extend(table.into_events());
    }
    let events = whitespace_outside_emphasis(events);
    let mut out = String::with_capacity(text.len() + 16);
    let format = pulldown_cmark_to_cmark::Options { code_block_token_count: 3, ..Default::default() };
    match pulldown_cmark_to_cmark::cmark_with_options(events.iter(), &mut out, options, format) {
        Ok(_) => normalize(&out),
        // The printer refuses event sequences it cannot spell losslessly; the text is then shown as is,
        // where rustdoc interprets nothing.
        Err(_) => verbatim(text),
    }
}

/// Fenced or indented, any code block becomes `text` unless it names a language that is not Rust.
fn non_rust(kind: CodeBlockKind<'_>) -> CowStr<'_> {
    match kind {
        CodeBlockKind::Fenced(info) => {
            let lang = info.split(|c: char| c == ',' || c.is_whitespace()).next().unwrap_or_default();
            if lang.is_empty() || lang == "rust" || lang.starts_with("rust") || matches!(lang, "ignore" | "no_run" | "should_panic" | "compile_fail" | "edition2021" | "edition2024") {
                CowStr::Borrowed("text")
            } else {
                CowStr::Boxed(lang.into())
            }
        }
        CodeBlockKind::Indented => CowStr::Borrowed("text"),
    }
}

fn is_url_like(dest: &str) -> bool {
    dest.contains(':') || dest.starts_with('/') || dest.starts_with('#')
}

fn absolute(dest: CowStr<'_>) -> CowStr<'_> {
    if dest.starts_with('/') && !dest.starts_with("//") {
        CowStr::Boxed(format!("{DOCS_SITE}{dest}").into())
    } else {
        dest
    }
}

/// The events of an HTML block: its inline content in paragraphs, around the tables it held.
fn push_html_block<'a>(block: Vec<Event<'a>>, events: &mut Vec<Event<'a>>) {
    let mut inline = Vec::new();
    let flush = |inline: &mut Vec<Event<'a>>, events: &mut Vec<Event<'a>>| {
        let content = trim_breaks(std::mem::take(inline));
        if !content.is_empty() {
            events.push(Event::Start(Tag::Paragraph));
            events.extend(content);
            events.push(Event::End(TagEnd::Paragraph));
        }
    };
    let mut table_depth = 0usize;
    for event in block {
        match event {
            Event::Start(Tag::Table(_)) => {
                if table_depth == 0 {
                    flush(&mut inline, events);
                }
                table_depth += 1;
                events.push(event);
            }
            Event::End(TagEnd::Table) => {
                table_depth = table_depth.saturating_sub(1);
                events.push(event);
            }
            event if table_depth > 0 => events.push(event),
            event => inline.push(event),
        }
    }
    flush(&mut inline, events);
}

/// Line breaks that HTML tags such as `<p>` left at the edges of a block.
fn trim_breaks(mut events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    while matches!(events.last(), Some(Event::SoftBreak | Event::HardBreak)) {
        events.pop();
    }
    let leading = events.iter().take_while(|e| matches!(e, Event::SoftBreak | Event::HardBreak)).count();
    events.drain(..leading);
    events
}

/// `**x **` is not emphasis in Markdown: spaces that HTML put inside `<b>`/`<i>` move outside.
fn whitespace_outside_emphasis(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut iter = events.into_iter().peekable();
    while let Some(event) = iter.next() {
        match event {
            Event::Start(tag @ (Tag::Strong | Tag::Emphasis)) => {
                if let Some(Event::Text(text)) = iter.peek() {
                    let trimmed = text.trim_start();
                    if trimmed.len() != text.len() {
                        out.push(Event::Text(CowStr::Borrowed(" ")));
                        let trimmed: CowStr<'_> = CowStr::Boxed(trimmed.into());
                        iter.next();
                        out.push(Event::Start(tag));
                        if !trimmed.is_empty() {
                            out.push(Event::Text(trimmed));
                        }
                        continue;
                    }
                }
                out.push(Event::Start(tag));
            }
            Event::End(end @ (TagEnd::Strong | TagEnd::Emphasis)) => {
                let mut moved = false;
                if let Some(Event::Text(text)) = out.last_mut() {
                    let trimmed = text.trim_end();
                    if trimmed.len() != text.len() {
                        *text = CowStr::Boxed(trimmed.into());
                        moved = true;
                    }
                }
                out.push(Event::End(end));
                if moved {
                    out.push(Event::Text(CowStr::Borrowed(" ")));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Splits text around `http(s)://` URLs and turns each URL into an autolink.
fn push_text_with_autolinks<'a>(text: CowStr<'a>, events: &mut Vec<Event<'a>>) {
    let mut rest: &str = &text;
    let mut pieces: Vec<Event<'a>> = Vec::new();
    while let Some(start) = rest.find("https://").or_else(|| rest.find("http://")) {
        let url_len = rest[start..].find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ')' | ']')).unwrap_or(rest.len() - start);
        let mut url = &rest[start..start + url_len];
        url = url.trim_end_matches(['.', ',', ';', ':', '!', '?']);
        if url.len() <= "https://".len() {
            pieces.push(Event::Text(CowStr::Boxed(rest[..start + url_len].into())));
            rest = &rest[start + url_len..];
            continue;
        }
        if start > 0 {
            pieces.push(Event::Text(CowStr::Boxed(rest[..start].into())));
        }
        let dest: CowStr<'a> = CowStr::Boxed(url.into());
        pieces.push(Event::Start(Tag::Link { link_type: LinkType::Autolink, dest_url: dest.clone(), title: CowStr::Borrowed(""), id: CowStr::Borrowed("") }));
        pieces.push(Event::Text(dest));
        pieces.push(Event::End(TagEnd::Link));
        rest = &rest[start + url.len()..];
    }
    if pieces.is_empty() {
        events.push(Event::Text(text));
        return;
    }
    if !rest.is_empty() {
        pieces.push(Event::Text(CowStr::Boxed(rest.into())));
    }
    events.extend(pieces);
}

/// Tracks inline HTML that spans several events (`<code>x</code>` arrives as tag, text, tag).
#[derive(Default)]
struct HtmlState<'a> {
    in_code: bool,
    code: String,
    /// Closing events for open `<b>`, `<i>` and `<a>` tags, innermost last.
    open: Vec<(String, TagEnd)>,
    /// A `<table>` of an HTML block, read until its `</table>`.
    table: Option<HtmlTable<'a>>,
}

impl<'a> HtmlState<'a> {
    /// Converts HTML to events; `block` says whether it is (part of) an HTML block, where a table may stand.
    fn convert(&mut self, html: &str, events: &mut Vec<Event<'a>>, block: bool) {
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            if start > 0 {
                self.text(&rest[..start], events);
            }
            let Some(length) = rest[start..].find('>') else {
                self.text(&rest[start..], events);
                return;
            };
            self.tag(&rest[start + 1..start + length], events, block);
            rest = &rest[start + length + 1..];
        }
        if !rest.is_empty() {
            self.text(rest, events);
        }
    }

    fn text(&mut self, text: &str, events: &mut Vec<Event<'a>>) {
        let text = decode_entities(text.trim_matches('\n'));
        if self.in_code {
            self.code.push_str(&text);
        } else if !text.trim().is_empty() {
            target(&mut self.table, events).push(Event::Text(CowStr::Boxed(text.into())));
        }
    }

    fn tag(&mut self, inside: &str, events: &mut Vec<Event<'a>>, block: bool) {
        let closing = inside.starts_with('/');
        let inside = inside.trim_start_matches('/').trim_end_matches('/');
        let name = inside.split(|c: char| c.is_whitespace()).next().unwrap_or_default().to_ascii_lowercase();
        if block || self.table.is_some() {
            if let Some(table) = self.table_tag(&name, closing) {
                events.extend(table.into_events());
                return;
            }
            if matches!(name.as_str(), "table" | "thead" | "tbody" | "tfoot" | "tr" | "th" | "td") {
                return;
            }
        }
        let out = target(&mut self.table, events);
        match (name.as_str(), closing) {
            ("code" | "tt", false) => {
                self.in_code = true;
                self.code.clear();
            }
            ("code" | "tt", true) => {
                if self.in_code {
                    self.in_code = false;
                    out.push(Event::Code(CowStr::Boxed(std::mem::take(&mut self.code).into())));
                }
            }
            ("b" | "strong", false) => {
                out.push(Event::Start(Tag::Strong));
                self.open.push((name, TagEnd::Strong));
            }
            ("i" | "em", false) => {
                out.push(Event::Start(Tag::Emphasis));
                self.open.push((name, TagEnd::Emphasis));
            }
            ("a", false) => {
                let href = attribute(inside, "href").unwrap_or_default();
                let dest_url = absolute(CowStr::Boxed(href.into()));
                out.push(Event::Start(Tag::Link { link_type: LinkType::Inline, dest_url, title: CowStr::Borrowed(""), id: CowStr::Borrowed("") }));
                self.open.push((name, TagEnd::Link));
            }
            ("b" | "strong" | "i" | "em" | "a", true) => {
                if let Some(position) = self.open.iter().rposition(|(open, _)| match open.as_str() {
                    "b" | "strong" => matches!(name.as_str(), "b" | "strong"),
                    "i" | "em" => matches!(name.as_str(), "i" | "em"),
                    other => other == name,
                }) {
                    for (_, end) in self.open.drain(position..).rev() {
                        out.push(Event::End(end));
                    }
                }
            }
            ("br", _) => out.push(Event::HardBreak),
            ("p" | "ul" | "ol" | "li" | "div", _) => out.push(Event::SoftBreak),
            // Outside an HTML block a table cannot stand: its cells are words of the text.
            ("th" | "td", true) => out.push(Event::Text(CowStr::Borrowed(" "))),
            ("table" | "thead" | "tbody" | "tfoot" | "tr" | "th" | "td", _) => {}
            _ => out.push(Event::Text(CowStr::Boxed(format!("<{}{inside}>", if closing { "/" } else { "" }).into()))),
        }
    }

    /// Reads a table tag of an HTML block; returns the table when it ends.
    fn table_tag(&mut self, name: &str, closing: bool) -> Option<HtmlTable<'a>> {
        match (name, closing) {
            ("table", false) => {
                // A table inside a cell cannot be a Markdown table: its cells join the outer one.
                self.table.get_or_insert_with(HtmlTable::default);
            }
            ("table", true) => return self.table.take(),
            ("tr", false) => {
                let table = self.table.get_or_insert_with(HtmlTable::default);
                table.end_cell();
                table.rows.push(Vec::new());
            }
            ("tr", true) => self.table.as_mut()?.end_cell(),
            ("th" | "td", false) => {
                let table = self.table.get_or_insert_with(HtmlTable::default);
                table.end_cell();
                if table.rows.is_empty() {
                    table.rows.push(Vec::new());
                }
                table.cell = Some(Vec::new());
            }
            ("th" | "td", true) => self.table.as_mut()?.end_cell(),
            _ => {}
        }
        None
    }
}

/// Where converted HTML goes: the open cell of a table being read, else the events.
fn target<'t, 'a>(table: &'t mut Option<HtmlTable<'a>>, events: &'t mut Vec<Event<'a>>) -> &'t mut Vec<Event<'a>> {
    match table.as_mut().and_then(|table| table.cell.as_mut()) {
        Some(cell) => cell,
        None => events,
    }
}

/// The rows of an HTML table, each a list of cells holding inline events.
#[derive(Default)]
struct HtmlTable<'a> {
    rows: Vec<Vec<Vec<Event<'a>>>>,
    cell: Option<Vec<Event<'a>>>,
}

impl<'a> HtmlTable<'a> {
    fn end_cell(&mut self) {
        if let Some(cell) = self.cell.take() {
            match self.rows.last_mut() {
                Some(row) => row.push(cell),
                None => self.rows.push(vec![cell]),
            }
        }
    }

    /// A Markdown table: the first row is its head (Markdown tables have one, as Asana's HTML ones do).
    fn into_events(mut self) -> Vec<Event<'a>> {
        self.end_cell();
        self.rows.retain(|row| !row.is_empty());
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        if columns == 0 {
            return Vec::new();
        }
        let mut events = vec![Event::Start(Tag::Table(vec![Alignment::None; columns]))];
        for (index, mut row) in self.rows.into_iter().enumerate() {
            let (start, end) = if index == 0 { (Tag::TableHead, TagEnd::TableHead) } else { (Tag::TableRow, TagEnd::TableRow) };
            events.push(Event::Start(start));
            row.resize_with(columns, Vec::new);
            for cell in row {
                events.push(Event::Start(Tag::TableCell));
                // A cell is one line: breaks that `<p>` or `<br>` made inside it become spaces.
                events.extend(trim_breaks(cell).into_iter().map(|event| match event {
                    Event::SoftBreak | Event::HardBreak => Event::Text(CowStr::Borrowed(" ")),
                    other => other,
                }));
                events.push(Event::End(TagEnd::TableCell));
            }
            events.push(Event::End(end));
        }
        events.push(Event::End(TagEnd::Table));
        events
    }
}

fn attribute<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let at = tag.find(&format!("{name}="))? + name.len() + 1;
    let value = &tag[at..];
    let quote = value.chars().next()?;
    if quote == '"' || quote == '\'' {
        value[1..].split(quote).next()
    } else {
        value.split(|c: char| c.is_whitespace()).next()
    }
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#x27;", "'").replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&")
}

/// Trailing spaces trimmed, runs of blank lines collapsed, the whole trimmed.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

/// A `text` code block holding `text` unchanged.
fn verbatim(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}", text.trim())
}

/// `doc` without its first paragraph when that only repeats `summary` (the docs show the summary as their first
/// line already); case and a final period aside.
pub fn without_leading_repeat(doc: &str, summary: &str) -> String {
    let plain = |text: &str| text.trim().trim_end_matches('.').to_lowercase();
    let (first, rest) = doc.split_once("\n\n").unwrap_or((doc, ""));
    if !summary.trim().is_empty() && plain(first) == plain(summary) { rest.to_owned() } else { doc.to_owned() }
}

/// The kind of a paragraph that only states OAuth scopes (`**Required scope:** `tasks:read``).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeStatement {
    /// `Required scope:`, in an operation's description: what calling it takes.
    Required,
    /// `Full object requires scope:`, in a schema's description: what reading every field of it takes.
    FullObject,
}

/// `doc` (rustdoc Markdown, as [`to_rustdoc`] gives) without the top-level paragraphs that only state scopes
/// and that `drop` is given with the scopes they name.
pub fn without_scope_statements(doc: &str, mut drop: impl FnMut(ScopeStatement, &[String]) -> bool) -> String {
    let mut cut: Vec<std::ops::Range<usize>> = Vec::new();
    let mut depth = 0usize;
    let mut paragraph: Option<(usize, Vec<Event<'_>>)> = None;
    for (event, range) in Parser::new_ext(doc, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Start(Tag::Paragraph) if depth == 0 => {
                depth += 1;
                paragraph = Some((range.start, Vec::new()));
            }
            Event::End(TagEnd::Paragraph) if depth == 1 => {
                depth = 0;
                if let Some((start, inline)) = paragraph.take() {
                    if scope_statement(&inline).is_some_and(|(kind, scopes)| drop(kind, &scopes)) {
                        cut.push(start..range.end);
                    }
                }
            }
            Event::Start(_) => {
                depth += 1;
                if let Some((_, inline)) = &mut paragraph {
                    inline.push(event);
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some((_, inline)) = &mut paragraph {
                    inline.push(event);
                }
            }
            event => {
                if let Some((_, inline)) = &mut paragraph {
                    inline.push(event);
                }
            }
        }
    }
    if cut.is_empty() {
        return doc.to_owned();
    }
    let mut kept = String::with_capacity(doc.len());
    let mut from = 0;
    for range in cut {
        kept.push_str(&doc[from..range.start]);
        from = range.end;
    }
    kept.push_str(&doc[from..]);
    normalize(&kept)
}

/// The kind and scopes of a paragraph made of a bold label and code spans (apart from commas and `and`).
fn scope_statement(inline: &[Event<'_>]) -> Option<(ScopeStatement, Vec<String>)> {
    let [Event::Start(Tag::Strong), Event::Text(label), Event::End(TagEnd::Strong), rest @ ..] = inline else { return None };
    let label = label.trim().trim_end_matches(':').to_ascii_lowercase();
    let kind = match label.as_str() {
        "required scope" | "required scopes" => ScopeStatement::Required,
        "full object requires scope" | "full object requires scopes" => ScopeStatement::FullObject,
        _ => return None,
    };
    let mut scopes = Vec::new();
    for event in rest {
        match event {
            Event::Code(scope) => scopes.push(scope.to_string()),
            Event::Text(text) if text.split([',', ' ']).all(|word| word.is_empty() || word == "and") => {}
            Event::SoftBreak => {}
            _ => return None,
        }
    }
    (!scopes.is_empty()).then_some((kind, scopes))
}

/// Inline code for a literal, with a fence longer than any run of backticks inside it.
pub fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_html_becomes_markdown() {
        assert_eq!(to_rustdoc("<b>Required scope: </b><code>webhooks:read</code>"), "**Required scope:** `webhooks:read`");
        assert_eq!(to_rustdoc("a <i>b</i> <em>c</em> <strong>d</strong>"), "a *b* *c* **d**");
        // A hard break's trailing spaces are trimmed away with all others: `<br>` ends the line.
        assert_eq!(to_rustdoc("one<br>two"), "one\ntwo");
    }

    #[test]
    fn html_links_and_relative_links_point_at_the_docs_site() {
        assert_eq!(to_rustdoc("see <a href=\"/reference/events\">events</a>"), "see [events](https://developers.asana.com/reference/events)");
        assert_eq!(to_rustdoc("see [events](/reference/events)"), "see [events](https://developers.asana.com/reference/events)");
        assert_eq!(to_rustdoc("see [x](https://a.example/b) and [y](#top)"), "see [x](https://a.example/b) and [y](#top)");
    }

    #[test]
    fn links_rustdoc_would_resolve_as_paths_keep_only_their_text() {
        assert_eq!(to_rustdoc("see [the docs](getevents)"), "see the docs");
    }

    #[test]
    fn every_code_block_is_text() {
        assert_eq!(to_rustdoc("```\nlet x = 1;\n```"), "```text\nlet x = 1;\n```");
        assert_eq!(to_rustdoc("```rust\nfn f() {}\n```"), "```text\nfn f() {}\n```");
        assert_eq!(to_rustdoc("```json\n{}\n```"), "```json\n{}\n```");
        assert_eq!(to_rustdoc("para\n\n    indented code"), "para\n\n```text\nindented code\n```");
    }

    #[test]
    fn code_blocks_are_verbatim() {
        assert_eq!(to_rustdoc("```\n<b>[x](/y) https://z\n```"), "```text\n<b>[x](/y) https://z\n```");
    }

    #[test]
    fn bare_urls_become_autolinks() {
        assert_eq!(to_rustdoc("go to https://example.com/x."), "go to <https://example.com/x>.");
        assert_eq!(to_rustdoc("`https://in.code`"), "`https://in.code`");
    }

    #[test]
    fn brackets_and_tag_like_text_are_escaped() {
        assert_eq!(to_rustdoc("values [a] and Vec<String>"), "values \\[a\\] and Vec\\<String>");
        assert_eq!(to_rustdoc("a <PARAM_1> b"), "a \\<PARAM_1> b");
    }

    #[test]
    fn html_blocks_become_paragraphs() {
        let text = "<p><strong style={{ color: \"#4573D2\" }}>Full object requires scope: </strong><code>tasks:read</code></p>\n\nThe task.";
        assert_eq!(to_rustdoc(text), "**Full object requires scope:** `tasks:read`\n\nThe task.");
    }

    #[test]
    fn html_tables_become_markdown_tables() {
        let text = "<b>Scope:</b> <code>a:read</code>\n\n<table>\n  <tr>\n    <th>Name</th>\n    <th>Needs</th>\n  </tr>\n  <tr>\n    <td><code>x</code></td>\n    <td><code>b:read</code>, <code>c|d</code></td>\n  </tr>\n</table>\n\nAfter.";
        assert_eq!(to_rustdoc(text), "**Scope:** `a:read`\n\n|Name|Needs|\n|----|-----|\n|`x`|`b:read`, `c\\|d`|\n\nAfter.");
    }

    #[test]
    fn a_table_in_the_same_block_as_text_splits_it_into_paragraphs() {
        let text = "<p>Before</p>\n<table><tr><td>1</td><td>2<br>3</td></tr><tr><td>4</td></tr></table>\n<p>after</p>";
        assert_eq!(to_rustdoc(text), "Before\n\n|1|2 3|\n|-|---|\n|4||\n\nafter");
    }

    #[test]
    fn table_tags_outside_an_html_block_are_lines_and_cells() {
        assert_eq!(to_rustdoc("see <table><tr><td>a</td><td>b</td></tr></table> here"), "see a b  here");
    }

    #[test]
    fn scope_statements_are_dropped_when_asked() {
        let doc = to_rustdoc("<b>Required scope: </b><code>a:read</code>\n\nReads a thing.\n\n**Required scope:** `b:read` if shared.");
        let same_as_security = |kind: ScopeStatement, scopes: &[String]| kind == ScopeStatement::Required && scopes == ["a:read"];
        // A statement with more words than scopes is kept: it says something the security requirement does not.
        assert_eq!(without_scope_statements(&doc, same_as_security), "Reads a thing.\n\n**Required scope:** `b:read` if shared.");
        assert_eq!(without_scope_statements(&doc, |_, _| false), doc);
    }

    #[test]
    fn full_object_scope_statements_are_told_apart() {
        let doc = to_rustdoc("<p><strong>Full object requires scope: </strong><code>x:read</code>, <code>y:read</code></p>\n\nA thing.");
        let mut seen = Vec::new();
        let kept = without_scope_statements(&doc, |kind, scopes| {
            seen.push((kind, scopes.to_vec()));
            kind == ScopeStatement::FullObject
        });
        assert_eq!(kept, "A thing.");
        assert_eq!(seen, [(ScopeStatement::FullObject, vec!["x:read".to_owned(), "y:read".to_owned()])]);
    }

    #[test]
    fn a_first_paragraph_repeating_the_summary_is_dropped() {
        assert_eq!(without_leading_repeat("Send a thing.\n\nMore.", "Send a thing"), "More.");
        assert_eq!(without_leading_repeat("Send a thing.", "send a thing"), "");
        assert_eq!(without_leading_repeat("Sends it.\n\nMore.", "Send a thing"), "Sends it.\n\nMore.");
        assert_eq!(without_leading_repeat("Text.", ""), "Text.");
    }

    #[test]
    fn list_continuation_lines_are_indented() {
        let text = "* first item\ncontinues here\n* second";
        assert_eq!(to_rustdoc(text), "* first item\n  continues here\n* second");
    }

    #[test]
    fn entities_are_decoded_in_html() {
        assert_eq!(to_rustdoc("<b>a &amp; b</b>"), "**a & b**".replace('&', "&amp;"));
    }

    #[test]
    fn blank_lines_collapse_and_the_result_is_trimmed() {
        assert_eq!(to_rustdoc("\n\n a  \n\n\n\nb \n\n"), "a\n\nb");
        assert_eq!(to_rustdoc(""), "");
    }

    #[test]
    fn code_span_picks_a_fence_longer_than_any_backtick_run() {
        assert_eq!(code_span("resource.name"), "`resource.name`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
    }

    #[test]
    fn arbitrary_input_never_panics() {
        const ALPHABET: &[&str] = &["<", ">", "`", "[", "]", "(", ")", "/", "&", ";", "*", "\n", " ", "é", "<b>", "</b>", "<code>", "</code>", "```", "    ", "- ", "<a href=\"/x\">", "</a>", "https://x.y", "<p>", "#", "|", "_", "\\"];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..10_000 {
            let mut text = String::new();
            for _ in 0..(state % 40) {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                text.push_str(ALPHABET[(state >> 33) as usize % ALPHABET.len()]);
            }
            let _ = to_rustdoc(&text);
        }
    }
}
