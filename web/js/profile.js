// "My profile" in the console (docs/API.md, "Librarian profiles"): what patrons see of a
// librarian (name, pronouns, subjects, bio, photo) and whether to be listed in "who is on
// now". The photo goes up as the raw file with its own type; the preview is a data: URL
// (the page's CSP allows 'self' and data: images, not blob:).

import { apiError } from './api.js';
import { avatar } from './people.js';

const MAX_PHOTO = 512 * 1024;
const $ = (id) => document.getElementById(id);

export class ProfileEditor {
  /** @param {{api: Function, onSaved: (profile: object) => void}} o */
  constructor({ api, onSaved }) {
    this.api = api;
    this.onSaved = onSaved;
    this.profile = null;
    this.opener = null;
    this.ui = {
      dialog: $('profile-dialog'),
      form: $('profile-form'),
      name: $('pf-name'),
      pronouns: $('pf-pronouns'),
      subjects: $('pf-subjects'),
      bio: $('pf-bio'),
      bioCount: $('pf-bio-count'),
      listed: $('pf-listed'),
      photo: $('pf-photo'),
      preview: $('pf-preview'),
      file: $('pf-file'),
      remove: $('pf-remove'),
      photoStatus: $('pf-photo-status'),
      error: $('pf-error'),
      status: $('pf-status'),
      save: $('pf-save'),
      cancel: $('pf-cancel'),
    };
    this.wire();
  }

  async open(opener) {
    const u = this.ui;
    this.opener = opener || null;
    u.error.hidden = true;
    u.status.textContent = '';
    u.photoStatus.textContent = '';
    u.save.disabled = true;
    u.dialog.showModal();
    const res = await this.api('GET', 'me/profile');
    if (res.status !== 200 || !res.body || !res.body.profile) {
      this.fail(apiError(res, 'Your profile could not be loaded.'));
      return;
    }
    this.fill(res.body.profile);
    u.save.disabled = false;
    u.name.focus();
  }

  fill(p) {
    const u = this.ui;
    this.profile = p;
    u.name.value = p.name || '';
    u.pronouns.value = p.pronouns || '';
    u.subjects.value = p.subjects || '';
    u.bio.value = p.bio || '';
    u.listed.checked = Boolean(p.listed);
    this.count();
    this.showPhoto(p.photo || '');
  }

  showPhoto(url) {
    const u = this.ui;
    u.preview.replaceChildren(avatar({ name: u.name.value || (this.profile && this.profile.name), photo: url }, 'lg'));
    u.remove.hidden = !url;
  }

  count() {
    const n = new TextEncoder().encode(this.ui.bio.value).length;
    this.ui.bioCount.textContent = `${n} of 500`;
    this.ui.bioCount.classList.toggle('is-over', n > 500);
  }

  fail(text) {
    this.ui.error.textContent = text;
    this.ui.error.hidden = !text;
  }

  async save() {
    const u = this.ui;
    this.fail('');
    const body = {
      name: u.name.value.trim(),
      pronouns: u.pronouns.value.trim(),
      subjects: u.subjects.value.trim(),
      bio: u.bio.value.trim(),
      listed: u.listed.checked,
    };
    if (!body.name) {
      this.fail('Please give a name: it is how patrons see you.');
      u.name.focus();
      return;
    }
    if (new TextEncoder().encode(body.bio).length > 500) {
      this.fail('The bio is too long: please keep it to 500 characters.');
      u.bio.focus();
      return;
    }
    u.save.disabled = true;
    u.status.textContent = 'Saving…';
    const res = await this.api('POST', 'me/profile', body);
    u.save.disabled = false;
    if (res.status !== 200 || !res.body || !res.body.profile) {
      u.status.textContent = '';
      this.fail(apiError(res, 'Your profile could not be saved.'));
      return;
    }
    this.profile = res.body.profile;
    u.status.textContent = 'Saved.';
    this.onSaved(this.profile);
    u.dialog.close();
  }

  async upload(file) {
    const u = this.ui;
    this.fail('');
    if (!file) return;
    if (file.type !== 'image/png' && file.type !== 'image/jpeg') {
      this.fail('Please choose a PNG or JPEG image.');
      return;
    }
    if (file.size > MAX_PHOTO) {
      this.fail(`That image is ${Math.ceil(file.size / 1024)} KiB; the limit is 512 KiB. Please choose a smaller one.`);
      return;
    }
    // Show it at once, then replace it with the server's copy.
    const reader = new FileReader();
    reader.onload = () => this.showPhoto(String(reader.result));
    reader.readAsDataURL(file);
    u.photoStatus.textContent = 'Uploading your photo…';
    const res = await this.api('POST', 'me/photo', undefined, { raw: { body: file, type: file.type } });
    u.file.value = '';
    if (res.status !== 200 || !res.body || !res.body.profile) {
      u.photoStatus.textContent = '';
      this.fail(apiError(res, 'The photo could not be uploaded.'));
      this.showPhoto((this.profile && this.profile.photo) || '');
      return;
    }
    this.profile = Object.assign({}, this.profile, { photo: res.body.profile.photo });
    this.showPhoto(this.profile.photo || '');
    u.photoStatus.textContent = 'Photo saved.';
    this.onSaved(res.body.profile);
  }

  async removePhoto() {
    const u = this.ui;
    this.fail('');
    u.photoStatus.textContent = 'Removing…';
    const res = await this.api('POST', 'me/photo/delete', {});
    if (res.status !== 200) {
      u.photoStatus.textContent = '';
      this.fail(apiError(res, 'The photo could not be removed.'));
      return;
    }
    this.profile = Object.assign({}, this.profile, { photo: '' });
    this.showPhoto('');
    u.photoStatus.textContent = 'Photo removed.';
    u.file.focus();
    if (res.body && res.body.profile) this.onSaved(res.body.profile);
  }

  wire() {
    const u = this.ui;
    u.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.save();
    });
    u.cancel.addEventListener('click', () => u.dialog.close());
    u.bio.addEventListener('input', () => this.count());
    u.file.addEventListener('change', () => this.upload(u.file.files && u.file.files[0]));
    u.remove.addEventListener('click', () => this.removePhoto());
    u.dialog.addEventListener('close', () => {
      if (this.opener && this.opener.isConnected) this.opener.focus();
    });
  }
}
