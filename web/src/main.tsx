import { render } from "preact";
import { App } from "./App";
import "./styles.css";

export interface RuntimeConfig {
  /** REST API base URL, e.g. http://127.0.0.1:3000 */
  api: string;
  /** WebSocket API URL, e.g. ws://127.0.0.1:3001 */
  ws: string;
}

async function loadConfig(): Promise<RuntimeConfig> {
  // Written at deploy (CDK) or served by the local stack: the same build runs everywhere.
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  const config = (await response.json()) as RuntimeConfig;
  if (!config.api || !config.ws) throw new Error("config.json must name api and ws");
  return config;
}

const root = document.getElementById("app")!;
loadConfig().then(
  (config) => render(<App config={config} />, root),
  (error: Error) => {
    root.textContent = `Warbler could not start: ${error.message}`;
  },
);
