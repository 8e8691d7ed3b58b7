// The commands other than restart/show output: Fix All and Open Rule Video.
import { CodeAction, CodeActionKind, commands, Diagnostic, env, languages, Range, Uri, window, workspace } from 'vscode';
import { DIAGNOSTIC_SOURCE, FIX_ALL_KIND } from './constants';

/** Runs the server's `source.fixAll.pitfalls` code action on the active Python file. */
export async function fixAll(): Promise<number> {
    const editor = window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'python') {
        void window.showInformationMessage('Pitfalls: open a Python file to fix its pitfalls.');
        return 0;
    }
    const document = editor.document;
    const whole = new Range(document.positionAt(0), document.positionAt(document.getText().length));
    const wanted = CodeActionKind.Empty.append(FIX_ALL_KIND);
    const actions =
        (await commands.executeCommand<CodeAction[] | undefined>(
            'vscode.executeCodeActionProvider',
            document.uri,
            whole,
            FIX_ALL_KIND,
            1, // resolve the edit of the first action, since the server computes edits lazily
        )) ?? [];
    const action = actions.find((candidate) => candidate.kind && wanted.contains(candidate.kind));
    if (!action) {
        void window.showInformationMessage('Pitfalls: nothing in this file has a safe automatic fix.');
        return 0;
    }
    let applied = 0;
    if (action.edit && (await workspace.applyEdit(action.edit))) {
        applied += 1;
    }
    if (action.command) {
        await commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
        applied += 1;
    }
    return applied;
}

interface RuleLink {
    code: string;
    url: Uri;
    message: string;
}

function ruleLink(diagnostic: Diagnostic): RuleLink | undefined {
    const code = diagnostic.code;
    if (diagnostic.source !== DIAGNOSTIC_SOURCE || typeof code !== 'object' || code === null || !code.target) {
        return undefined;
    }
    return { code: String(code.value), url: code.target, message: diagnostic.message };
}

/**
 * Opens the video that explains a rule: the one under the cursor, else a pick among the rules
 * reported in the active file. An argument (a URL or a diagnostic-like object) opens that directly.
 */
export async function openRuleVideo(target?: unknown): Promise<Uri | undefined> {
    if (typeof target === 'string' && /^https?:\/\//.test(target)) {
        const url = Uri.parse(target);
        await env.openExternal(url);
        return url;
    }
    const editor = window.activeTextEditor;
    if (!editor) {
        void window.showInformationMessage('Pitfalls: open a Python file with a finding to see its video.');
        return undefined;
    }
    const diagnostics = languages.getDiagnostics(editor.document.uri);
    const cursor = editor.selection.active;
    const atCursor = diagnostics.filter((diagnostic) => diagnostic.range.contains(cursor)).map(ruleLink);
    const underCursor = atCursor.filter((link): link is RuleLink => link !== undefined);
    let chosen: RuleLink | undefined = underCursor.length === 1 ? underCursor[0] : undefined;
    if (!chosen) {
        const byCode = new Map<string, RuleLink>();
        for (const link of [...underCursor, ...diagnostics.map(ruleLink)]) {
            if (link && !byCode.has(link.code)) {
                byCode.set(link.code, link);
            }
        }
        if (byCode.size === 0) {
            void window.showInformationMessage('Pitfalls: no finding in this file, so no rule video to open.');
            return undefined;
        }
        if (byCode.size === 1) {
            chosen = [...byCode.values()][0];
        } else {
            const picked = await window.showQuickPick(
                [...byCode.values()].map((link) => ({ label: link.code, detail: link.message, link })),
                { placeHolder: 'Which rule’s video?' },
            );
            chosen = picked?.link;
        }
    }
    if (!chosen) {
        return undefined;
    }
    await env.openExternal(chosen.url);
    return chosen.url;
}
