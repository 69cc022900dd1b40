//! The files attached to the form: where each stands, its row in the list (`form.html`'s
//! `.ph-row`), and how files come (the picker, a drop, a paste). Files upload as soon as they are
//! picked (`upload.rs`).

use crate::api::ApiError;
use crate::dom::{self, bind};
use crate::saved::SavedFile;
use crate::text::{self, Text};
use crate::upload::{file_meta, Upload};
use leptos::prelude::*;
use leptos::task::spawn_local;
use porthole_shared::{validate_upload, FieldCode, Limits};
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{
    ClipboardEvent, DataTransfer, DragEvent, Element, Event, File, FileList, HtmlInputElement,
};

/// Where one attached file stands. Files upload as soon as they are picked.
#[derive(Clone, PartialEq)]
pub enum FileState {
    /// Against the site's limits (before any byte was sent) or refused by the edge.
    Refused(FieldCode),
    /// Percent sent.
    Uploading(u32),
    /// A file in parts whose connection dropped, at this percent: it resumes by itself.
    Paused(u32),
    /// No answer, or the server failed: sending it again may work.
    Failed,
    /// Stored by the edge under this id.
    Stored(String),
}

#[derive(Clone)]
pub struct PickedFile {
    pub key: u32,
    pub name: String,
    pub size: u64,
    /// `None` for a file restored from a saved draft: stored, with nothing left to send.
    file: Option<File>,
    pub state: RwSignal<FileState>,
    upload: StoredValue<Option<Upload>, LocalStorage>,
}

/// The attached files, in the order they came, and what sends them.
#[derive(Clone, Copy)]
pub struct Files {
    pub list: RwSignal<Vec<PickedFile>, LocalStorage>,
    next_key: StoredValue<u32>,
    /// The site's limits, which every file is checked against.
    pub limits: Memo<Limits>,
    /// Where the files go (`Api::site_url`).
    site_url: StoredValue<String>,
}

impl Files {
    pub fn new(limits: Memo<Limits>, site_url: String) -> Files {
        Files {
            list: RwSignal::new_local(Vec::new()),
            next_key: StoredValue::new(0u32),
            limits,
            site_url: StoredValue::new(site_url),
        }
    }

    /// The files of a saved draft: stored already, with nothing left to send.
    pub fn restore(self, saved: Vec<SavedFile>) {
        let restored = saved.into_iter().enumerate().map(|(i, f)| PickedFile {
            key: i as u32 + 1,
            name: f.name,
            size: f.size,
            file: None,
            state: RwSignal::new(FileState::Stored(f.id)),
            upload: StoredValue::new_local(None),
        });
        self.list.set(restored.collect());
        self.next_key
            .set_value(self.list.with_untracked(Vec::len) as u32);
    }

    /// The files the edge stored, as a saved draft keeps them (tracked: a draft is saved again
    /// when one comes, goes or is stored).
    pub fn stored(self) -> Vec<SavedFile> {
        self.list.with(|list| {
            list.iter()
                .filter_map(|f| match f.state.get() {
                    FileState::Stored(id) => Some(SavedFile {
                        id,
                        name: f.name.clone(),
                        size: f.size,
                    }),
                    _ => None,
                })
                .collect()
        })
    }

    /// Sends `f`: when it is picked, and again after a failure (its retry button, or a submit).
    pub fn start(self, f: &PickedFile) {
        let state = f.state;
        state.set(FileState::Uploading(0));
        let progress = move |percent| {
            if matches!(
                state.get_untracked(),
                FileState::Uploading(_) | FileState::Paused(_)
            ) {
                state.set(FileState::Uploading(percent));
            }
        };
        let paused = move || {
            if let FileState::Uploading(p) = state.get_untracked() {
                state.set(FileState::Paused(p));
            }
        };
        // A retry resumes the same upload: a file sent in parts sends only what did not arrive.
        let upload = f.upload.get_value().or_else(|| {
            f.file
                .clone()
                .map(|file| Upload::new(self.site_url.get_value(), file, progress, paused))
        });
        let Some(upload) = upload else {
            state.set(FileState::Failed);
            return;
        };
        f.upload.set_value(Some(upload.clone()));
        spawn_local(async move {
            match upload.result().await {
                Ok(id) => state.set(FileState::Stored(id)),
                // Cancelled: the file is gone from the list.
                Err(None) => {}
                Err(Some(ApiError::Refused { fields, .. })) => {
                    let code = fields.and_then(|m| m.values().next().copied());
                    state.set(code.map_or(FileState::Failed, FileState::Refused));
                }
                Err(Some(_)) => state.set(FileState::Failed),
            }
        });
    }

    /// Takes the file off the list, and stops its upload.
    pub fn remove(self, key: u32) {
        self.list.update(|list| {
            if let Some(i) = list.iter().position(|f| f.key == key) {
                let gone = list.remove(i);
                gone.upload.with_value(|u| u.as_ref().map(Upload::cancel));
            }
        })
    }

    /// Files from the picker, a drop or a paste, each checked against the site's limits at once
    /// and sent straight away if they pass. The caller adds them to the list.
    pub fn picked(self, list: FileList) -> Vec<PickedFile> {
        let mut added = Vec::new();
        for i in 0..list.length() {
            let Some(file) = list.get(i) else { continue };
            let error = self
                .limits
                .with_untracked(|l| validate_upload(&file_meta(&file), l).err())
                .and_then(|e| e.values().next().copied());
            let key = self.next_key.get_value() + 1;
            self.next_key.set_value(key);
            let picked = PickedFile {
                key,
                name: file.name(),
                size: file.size() as u64,
                file: Some(file),
                state: RwSignal::new(error.map_or(FileState::Uploading(0), FileState::Refused)),
                upload: StoredValue::new_local(None),
            };
            if error.is_none() {
                self.start(&picked);
            }
            added.push(picked);
        }
        added
    }

    /// The first file of `picked` the site's limits or the edge refused, and why.
    pub fn refused(picked: &[PickedFile]) -> Option<FieldCode> {
        picked.iter().find_map(|f| match f.state.get_untracked() {
            FileState::Refused(code) => Some(code),
            _ => None,
        })
    }

    /// Once every upload of `picked` has ended (files that found no server get another go):
    /// the ids of those stored, or the state of the first that was not (and is still attached).
    pub async fn uploaded(self, picked: &[PickedFile]) -> Result<Vec<String>, FileState> {
        for f in picked
            .iter()
            .filter(|f| f.state.get_untracked() == FileState::Failed)
        {
            self.start(f);
        }
        // Only files still attached: a cancelled one never finishes.
        while self.list.with_untracked(|l| {
            l.iter().any(|f| {
                matches!(
                    f.state.get_untracked(),
                    FileState::Uploading(_) | FileState::Paused(_)
                )
            })
        }) {
            crate::wait::millis(100).await;
        }
        let mut ids = Vec::new();
        for f in picked {
            match f.state.get_untracked() {
                FileState::Stored(id) => ids.push(id),
                // Removed meanwhile: not sent.
                _ if !self
                    .list
                    .with_untracked(|l| l.iter().any(|e| e.key == f.key)) => {}
                state => return Err(state),
            }
        }
        Ok(ids)
    }

    /// One attached file: its name and size, its upload's progress or why it failed, and what
    /// can be done about it (`form.html`'s `.ph-row`).
    pub fn row(
        self,
        panel: &Element,
        f: PickedFile,
        t: Text,
        busy: impl Fn() -> bool + Copy + 'static,
    ) -> Element {
        let row = dom::clone_template(panel, ".ph-row");
        dom::text(&dom::find(&row, ".ph-file-name"), &f.name);
        dom::text(&dom::find(&row, ".ph-file-size"), &text::file_size(f.size));
        let buttons = dom::find_all(&row, "button");
        // Each button says what it does to which file.
        for button in &buttons {
            let button = button.clone();
            let id = button.get_attribute("data-act").unwrap_or_default();
            let name = f.name.clone();
            bind(move || {
                let said = t.get(&id);
                dom::set(&button, "aria-label", &format!("{said} {name}"));
                dom::text(&button, &said);
            });
        }
        let [cancel, again, gone] = <[Element; 3]>::try_from(buttons).expect_throw(".ph-row");
        let key = f.key;
        let state = f.state;
        dom::on(&cancel, "click", move |_| self.remove(key));
        dom::on(&gone, "click", move |_| self.remove(key));
        dom::on(&again, "click", move |_| self.start(&f));
        let progress = dom::find(&row, "progress");
        let status = dom::find(&row, ".ph-file-status");
        let shown = row.clone();
        bind(move || {
            let now = state.get();
            let bad = matches!(now, FileState::Refused(_) | FileState::Failed);
            let _ = shown.class_list().toggle_with_force("ph-file-bad", bad);
            let _ = status.class_list().toggle_with_force("ph-error", bad);
            dom::text(&status, &status_text(t, &now));
            let sending = match now {
                FileState::Uploading(p) | FileState::Paused(p) => Some(p),
                _ => None,
            };
            dom::set(&progress, "value", &sending.unwrap_or(100).to_string());
            dom::flag(&progress, "hidden", sending.is_none());
            dom::flag(&cancel, "hidden", sending.is_none());
            dom::flag(&again, "hidden", now != FileState::Failed);
            dom::flag(&gone, "hidden", sending.is_some());
            dom::flag(&again, "disabled", busy());
            dom::flag(&gone, "disabled", busy());
        });
        row
    }
}

/// What a file's row says of where it stands.
fn status_text(t: Text, state: &FileState) -> String {
    match state {
        FileState::Uploading(p) => t.fill("upload-progress", &[("percent", &p.to_string())]),
        FileState::Paused(p) => t.fill("upload-paused", &[("percent", &p.to_string())]),
        FileState::Refused(code) => t.field_error(*code),
        FileState::Failed => t.get("network"),
        FileState::Stored(_) => String::new(),
    }
}

/// The files picked in the file input `ev` came from, given to `add`.
pub fn picked(ev: &Event, add: impl FnOnce(FileList)) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
    else {
        return;
    };
    if let Some(list) = input.files() {
        add(list);
    }
    // Lets the visitor pick the same file again after removing it.
    input.set_value("");
}

/// The files dropped on the form, if any: the browser then does not open them.
pub fn dropped(ev: &Event) -> Option<FileList> {
    taken(ev, ev.unchecked_ref::<DragEvent>().data_transfer())
}

/// The files pasted into the form, if any (a screenshot becomes an attachment; pasted text
/// stays text).
pub fn pasted(ev: &Event) -> Option<FileList> {
    taken(ev, ev.unchecked_ref::<ClipboardEvent>().clipboard_data())
}

fn taken(ev: &Event, data: Option<DataTransfer>) -> Option<FileList> {
    let list = data.and_then(|d| d.files()).filter(|f| f.length() > 0)?;
    ev.prevent_default();
    Some(list)
}
