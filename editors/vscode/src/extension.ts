// The VS Code client of `pipec lsp`. Everything the language offers beyond
// highlighting and snippets (diagnostics, hover, definitions, outline,
// folding, formatting) comes from the server; this file only starts it,
// passes it the settings and restarts it on demand.

import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

/** The settings the server reads: `null` when unset, as the server expects. */
function serverSettings(): { today: string | null; profile: string | null } {
  const config = vscode.workspace.getConfiguration("pipec");
  const value = (key: string): string | null => {
    const setting = config.get<string | null>(key);
    return typeof setting === "string" && setting.trim() !== "" ? setting.trim() : null;
  };
  return { today: value("today"), profile: value("profile") };
}

/** Whether `file` is a program this process may run. */
function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, process.platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The `pipec` to run: `pipec.path` when set (`~` and `${workspaceFolder}`
 * expanded, a relative path taken from the first workspace folder), else the
 * first `pipec` on the PATH. Undefined when there is
 * none, so that the user is told instead of seeing a failed spawn.
 */
function findPipec(): { command?: string; looked: string } {
  const configured = vscode.workspace.getConfiguration("pipec").get<string>("path")?.trim();
  if (configured) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
    const home = process.env.HOME ?? process.env.USERPROFILE ?? "";
    const expanded = configured
      .replace(/^~(?=$|[\\/])/, home)
      .replace(/\$\{workspaceFolder\}/g, folder);
    const resolved = path.isAbsolute(expanded) ? expanded : path.resolve(folder, expanded);
    return {
      command: isExecutable(resolved) ? resolved : undefined,
      looked: `pipec.path (${resolved})`,
    };
  }
  const names = process.platform === "win32" ? ["pipec.exe", "pipec.cmd", "pipec"] : ["pipec"];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (dir !== "" && isExecutable(candidate)) {
        return { command: candidate, looked: "PATH" };
      }
    }
  }
  return { looked: "PATH" };
}

async function start(): Promise<void> {
  const { command, looked } = findPipec();
  if (!command) {
    const choice = await vscode.window.showErrorMessage(
      `pipe: cannot find pipec on ${looked}. Install it (cargo install --path . in the pipec ` +
        "source tree) or set pipec.path; highlighting and snippets work without it.",
      "Open Settings",
    );
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "pipec.path");
    }
    return;
  }
  const serverOptions: ServerOptions = { command, args: ["lsp"] };
  output ??= vscode.window.createOutputChannel("pipec");
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "pipe" }],
    initializationOptions: serverSettings(),
    outputChannel: output,
  };
  // The id `pipec` makes `pipec.trace.server` the trace setting.
  client = new LanguageClient("pipec", "pipec language server", serverOptions, clientOptions);
  await client.start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("pipec.restartServer", restart),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("pipec.path")) {
        await restart();
      } else if (
        client &&
        (event.affectsConfiguration("pipec.today") || event.affectsConfiguration("pipec.profile"))
      ) {
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { pipec: serverSettings() },
        });
      }
    }),
    { dispose: () => void stop() },
  );
  await start();
}

export function deactivate(): Promise<void> {
  return stop();
}
