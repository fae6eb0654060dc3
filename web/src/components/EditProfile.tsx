import { useState } from "preact/hooks";
import { useApp } from "../context";
import { describeError } from "../lib/api";
import { codePoints } from "../lib/text";
import type { User } from "../lib/types";

// The server's limits (warbler/users: MAX_DISPLAY_NAME, MAX_BIO), counted as Python counts.
const MAX_DISPLAY_NAME = 50;
const MAX_BIO = 160;

/** PATCH /me: display name and bio. */
export function EditProfile({ user, onSaved }: { user: User; onSaved: (u: User) => void }) {
  const { api, toast } = useApp();
  const [name, setName] = useState(user.display_name);
  const [bio, setBio] = useState(user.bio);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const bioLeft = MAX_BIO - codePoints(bio);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await api.request<User>("PATCH", "/me", { body: { display_name: name, bio } });
      toast("Profile saved.");
      onSaved({ ...user, ...saved });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="edit-profile" onSubmit={submit}>
      <label for="edit-name">Display name</label>
      <input id="edit-name" maxLength={MAX_DISPLAY_NAME} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <label for="edit-bio">Bio</label>
      <textarea id="edit-bio" rows={3} aria-describedby="edit-bio-left" value={bio} onInput={(e) => setBio((e.target as HTMLTextAreaElement).value)} />
      <p id="edit-bio-left" class={`help${bioLeft < 0 ? " error" : ""}`}>
        {bioLeft} characters left
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy || bioLeft < 0}>
        {busy ? "Saving…" : "Save"}
      </button>
    </form>
  );
}
