//! How large the tree that an HTML parser builds from a fragment grows, measured without
//! building it.
//!
//! The HTML parsing algorithm copies every unclosed formatting element (`<b>`, `<a>`, `<em>`...)
//! with all of its attributes each time a new block reopens it, so a few kilobytes of tags that
//! are opened and never closed (`<b x=0><p>`, `<b x=1><p>`, ...) make a tree quadratic in their
//! length: 16 KB of them once became 5 MB of sanitized HTML, and 41 KB took 8 s and 2.3 GB. The
//! sanitizer builds that tree in full before it can drop anything, so the growth has to be
//! measured first, by the same parser, with a tree sink that only counts what would be built
//! and keeps none of it.

use std::borrow::Cow;
use std::cell::Cell;
use std::rc::Rc;

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::{Attribute, ParseOpts, QualName, local_name, ns, parse_fragment};

/// Bytes handed to the parser between two looks at the tally. The parser cannot be stopped
/// inside a chunk, and one chunk can reopen every open formatting element once per block it
/// starts, so chunks stay small.
const CHUNK: usize = 64;

/// Whether parsing `html` as the sanitizer does (a fragment inside a `<div>`) builds a tree of at
/// most `budget` bytes: markup of every element created (copies included) and the text. The
/// parse stops as soon as the tally passes the budget, so an explosive fragment costs about as
/// much as the budget, never what its tree would.
pub fn within(html: &str, budget: usize) -> bool {
    let tally = Rc::new(Cell::new(0));
    let sink = Meter {
        tally: Rc::clone(&tally),
        document: Node::new(html_name(local_name!("html"))),
    };
    let mut parser = parse_fragment(
        sink,
        ParseOpts::default(),
        html_name(local_name!("div")),
        vec![],
        false,
    );
    let mut rest = html;
    while !rest.is_empty() {
        let mut end = CHUNK.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (chunk, after) = rest.split_at(end);
        parser.process(StrTendril::from_slice(chunk));
        if tally.get() > budget {
            return false;
        }
        rest = after;
    }
    parser.finish();
    tally.get() <= budget
}

fn html_name(local: html5ever::LocalName) -> QualName {
    QualName::new(None, ns!(html), local)
}

/// A node as the tree builder needs to see it: its name, and for a `<template>` the fragment
/// holding its contents. Nothing is ever attached to anything.
struct Node {
    name: QualName,
    contents: Option<Rc<Node>>,
}

impl Node {
    fn new(name: QualName) -> Rc<Self> {
        Rc::new(Node {
            name,
            contents: None,
        })
    }
}

struct Meter {
    tally: Rc<Cell<usize>>,
    document: Rc<Node>,
}

impl Meter {
    fn add(&self, bytes: usize) {
        self.tally.set(self.tally.get().saturating_add(bytes));
    }

    fn add_child(&self, child: &NodeOrText<Rc<Node>>) {
        if let NodeOrText::AppendText(text) = child {
            self.add(text.len());
        }
    }

    /// What the attributes would take when serialized: ` name="value"`.
    fn add_attributes(&self, attributes: &[Attribute]) {
        for attribute in attributes {
            self.add(attribute.name.local.len() + attribute.value.len() + 4);
        }
    }
}

impl TreeSink for Meter {
    type Handle = Rc<Node>;
    type Output = ();
    type ElemName<'a> = &'a QualName;

    fn finish(self) {}

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> Rc<Node> {
        Rc::clone(&self.document)
    }

    fn elem_name<'a>(&'a self, target: &'a Rc<Node>) -> &'a QualName {
        &target.name
    }

    fn create_element(
        &self,
        name: QualName,
        attributes: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Rc<Node> {
        // `<name>` and `</name>`.
        self.add(2 * name.local.len() + 5);
        self.add_attributes(&attributes);
        let contents = flags
            .template
            .then(|| Node::new(html_name(local_name!("template"))));
        Rc::new(Node { name, contents })
    }

    fn create_comment(&self, text: StrTendril) -> Rc<Node> {
        self.add(text.len());
        Node::new(html_name(local_name!("html")))
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Rc<Node> {
        self.add(target.len() + data.len());
        Node::new(html_name(local_name!("html")))
    }

    fn append(&self, _parent: &Rc<Node>, child: NodeOrText<Rc<Node>>) {
        self.add_child(&child);
    }

    fn append_based_on_parent_node(
        &self,
        _element: &Rc<Node>,
        _prev_element: &Rc<Node>,
        child: NodeOrText<Rc<Node>>,
    ) {
        self.add_child(&child);
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}

    fn get_template_contents(&self, target: &Rc<Node>) -> Rc<Node> {
        Rc::clone(target.contents.as_ref().unwrap_or(target))
    }

    fn same_node(&self, x: &Rc<Node>, y: &Rc<Node>) -> bool {
        Rc::ptr_eq(x, y)
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, _sibling: &Rc<Node>, new_node: NodeOrText<Rc<Node>>) {
        self.add_child(&new_node);
    }

    fn add_attrs_if_missing(&self, _target: &Rc<Node>, attributes: Vec<Attribute>) {
        self.add_attributes(&attributes);
    }

    fn remove_from_parent(&self, _target: &Rc<Node>) {}

    fn reparent_children(&self, _node: &Rc<Node>, _new_parent: &Rc<Node>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_html_builds_about_its_own_length() {
        let html =
            "<p>Some <b>bold</b> and <a href=\"https://example.com\">a link</a>.</p>\n".repeat(200);
        // The parser's own `<html>` and context `<div>` come on top.
        assert!(within(&html, html.len() + 24));
        assert!(!within(&html, html.len()));
    }

    #[test]
    fn formatting_reopened_by_every_block_is_stopped_near_the_budget() {
        let html: String = (0..20_000).map(|i| format!("<b x={i}><p>\n")).collect();
        assert!(!within(&html, 8 * html.len()));
    }

    #[test]
    fn a_chunk_boundary_inside_a_character_is_moved_past_it() {
        let html = format!("<p>{}</p>", "한국어 ".repeat(100));
        assert!(within(&html, 2 * html.len()));
    }
}
