// masto.js, the Mastodon client library of Elk and Phanpy, for the test page to drive.
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient, MastoHttpError } from "masto";

window.masto = { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient, MastoHttpError };
