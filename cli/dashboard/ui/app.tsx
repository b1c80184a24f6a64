/** @jsxImportSource preact */
/// <reference lib="dom" />
/** The dashboard page: banner, navigation by URL hash, and the current view. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Live, useLive } from "./api.ts";
import { DrivesView, EventsView, OverviewView, VolumesView } from "./views.tsx";

const VIEWS = {
  overview: { title: "Overview", view: OverviewView },
  drives: { title: "Drives", view: DrivesView },
  volumes: { title: "Volumes", view: VolumesView },
  events: { title: "Events", view: EventsView },
} as const;

type ViewName = keyof typeof VIEWS;

function currentView(): ViewName {
  const name = location.hash.replace(/^#\/?/, "");
  return name in VIEWS ? name as ViewName : "overview";
}

function Banner({ live }: { live: Live }) {
  if (!live.connected) {
    return (
      <div class="banner" role="alert">
        Lost the connection to the dashboard process; retrying. The page shows the last state it
        received.
      </div>
    );
  }
  if (!live.api.reachable) {
    return (
      <div class="banner" role="alert">
        The Kubernetes API server is unreachable since {new Date(live.api.since).toLocaleString()}
        {live.api.error ? `: ${live.api.error}` : ""}. The page shows the last known state.
      </div>
    );
  }
  if (!live.synced) return <div class="banner info" role="status">Loading the cluster…</div>;
  return null;
}

function App() {
  const live = useLive();
  const [view, setView] = useState<ViewName>(currentView());
  useEffect(() => {
    const onHash = () => setView(currentView());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  const View = VIEWS[view].view;
  return (
    <>
      <header>
        <h1>DirectPV</h1>
        <nav>
          {(Object.keys(VIEWS) as ViewName[]).map((name) => (
            <a key={name} href={`#/${name}`} class={name === view ? "active" : ""}>
              {VIEWS[name].title}
            </a>
          ))}
        </nav>
        <span class="readonly">read-only</span>
      </header>
      <Banner live={live} />
      <main>
        <View live={live} />
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
