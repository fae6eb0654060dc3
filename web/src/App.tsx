import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { AppContext, type AppContextValue } from "./context";
import { createApi } from "./lib/api";
import { LiveConnection, type LiveStatus } from "./lib/live";
import { parseRoute, type Route } from "./lib/route";
import { loadSession, saveSession, type Session } from "./lib/session";
import type { LiveMessage, User } from "./lib/types";
import type { RuntimeConfig } from "./main";
import { Nav } from "./components/Nav";
import { Toasts, useToasts } from "./components/Toasts";
import { Trends } from "./components/Trends";
import { AuthPage } from "./pages/Auth";
import { HomePage } from "./pages/Home";
import { NotificationsPage } from "./pages/Notifications";
import { ProfilePage } from "./pages/Profile";
import { SearchPage } from "./pages/Search";
import { TweetPage } from "./pages/TweetDetail";

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

export function App({ config }: { config: RuntimeConfig }) {
  const route = useRoute();
  const [session, setSessionState] = useState<Session | null>(() => loadSession());
  const [expired, setExpired] = useState(false);
  const { toasts, toast } = useToasts();
  const sessionRef = useRef(session);
  sessionRef.current = session;

  const setSession = useCallback((next: Session | null) => {
    saveSession(next);
    setSessionState(next);
    if (next) setExpired(false);
  }, []);

  const api = useMemo(
    () =>
      createApi(
        config.api,
        () => sessionRef.current?.token ?? null,
        () => {
          // An expired or revoked token: back to the login form; drafts stay in sessionStorage.
          saveSession(null);
          setSessionState(null);
          setExpired(true);
        },
      ),
    [config.api],
  );

  // A reloaded tab: the stored token is checked (and the profile refreshed) once.
  useEffect(() => {
    if (!session) return;
    api.get<User>("/me").then(
      (me) => setSession({ token: sessionRef.current?.token ?? session.token, user: me }),
      () => undefined,
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (!session) {
    const mode = route.name === "signup" ? "signup" : "login";
    return (
      <>
        <AuthPage mode={mode} api={api} expired={expired} onSession={setSession} />
        <Toasts toasts={toasts} />
      </>
    );
  }
  return (
    <SignedIn
      key={session.user.id}
      config={config}
      route={route}
      session={session}
      api={api}
      setSession={setSession}
      toast={toast}
      toasts={toasts}
    />
  );
}

interface SignedInProps {
  config: RuntimeConfig;
  route: Route;
  session: Session;
  api: AppContextValue["api"];
  setSession: (s: Session | null) => void;
  toast: (message: string) => void;
  toasts: ReturnType<typeof useToasts>["toasts"];
}

function SignedIn({ config, route, session, api, setSession, toast, toasts }: SignedInProps) {
  const [liveStatus, setLiveStatus] = useState<LiveStatus>("connecting");
  const [unread, setUnread] = useState(0);
  const listeners = useRef(new Set<(m: LiveMessage) => void>());
  const tokenRef = useRef(session.token);
  tokenRef.current = session.token;

  const refreshUnread = useCallback(() => {
    api.get<{ unread_count: number }>("/notifications/unread_count").then(
      (body) => setUnread(body.unread_count),
      () => undefined,
    );
  }, [api]);

  useEffect(() => {
    refreshUnread();
    const connection = new LiveConnection({
      endpoint: config.ws,
      token: () => tokenRef.current,
      onStatus: setLiveStatus,
      onMessage: (message) => {
        // The badge is the server's count: a push of a group already counted must not add one.
        if (message.type === "notification") refreshUnread();
        for (const listener of listeners.current) listener(message);
      },
      onDropped: (attempt) => {
        // Repeated refusals usually mean the token expired: a REST call finds out (401 -> login).
        if (attempt >= 2) api.get("/me").catch(() => undefined);
      },
    });
    connection.start();
    return () => connection.stop();
  }, [api, config.ws, refreshUnread]);

  const onLive = useCallback((listener: (m: LiveMessage) => void) => {
    listeners.current.add(listener);
    return () => listeners.current.delete(listener);
  }, []);

  const value: AppContextValue = {
    api,
    me: session.user,
    liveStatus,
    onLive,
    toast,
    unread,
    setUnread,
    refreshUnread,
    setSession,
  };

  useEffect(() => {
    if (route.name === "login" || route.name === "signup") location.hash = "#/";
  }, [route.name]);

  return (
    <AppContext.Provider value={value}>
      <a class="skip-link" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <div class="layout">
        <Nav route={route} />
        <main id="main" tabIndex={-1}>
          <Screen route={route} />
        </main>
        <aside class="sidebar" aria-label="Trends">
          <Trends />
        </aside>
      </div>
      <Toasts toasts={toasts} />
    </AppContext.Provider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case "home":
    case "login":
    case "signup":
      return <HomePage />;
    case "profile":
      return <ProfilePage key={route.handle} handle={route.handle} tab={route.tab} />;
    case "tweet":
      return <TweetPage key={route.id} id={route.id} />;
    case "notifications":
      return <NotificationsPage />;
    case "search":
      return <SearchPage key={`${route.q}|${route.type}|${route.sort}`} q={route.q} type={route.type} sort={route.sort} />;
    case "not_found":
      return (
        <section class="screen">
          <h1>Not found</h1>
          <p>
            There is nothing at <code>{route.path}</code>. <a href="#/">Go home</a>.
          </p>
        </section>
      );
  }
}
