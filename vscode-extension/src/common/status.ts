import { Disposable, StatusBarAlignment, StatusBarItem, ThemeColor, window } from 'vscode';

export type ServerState = 'starting' | 'running' | 'disabled' | 'stopped' | 'failed';

/** One status bar item for the server's state; clicking it shows the output channel. */
export class ServerStatus implements Disposable {
    private readonly item: StatusBarItem;
    private state: ServerState = 'stopped';

    constructor() {
        this.item = window.createStatusBarItem('pitfalls.status', StatusBarAlignment.Right, 100);
        this.item.name = 'Pitfalls';
        this.item.command = 'pitfalls.showOutput';
        this.set('starting');
        this.item.show();
    }

    get current(): ServerState {
        return this.state;
    }

    set(state: ServerState, detail?: string): void {
        this.state = state;
        const icons: Record<ServerState, string> = {
            starting: '$(loading~spin)',
            running: '$(check)',
            disabled: '$(circle-slash)',
            stopped: '$(debug-stop)',
            failed: '$(error)',
        };
        const words: Record<ServerState, string> = {
            starting: 'starting',
            running: 'running',
            disabled: 'disabled by pitfalls.enable',
            stopped: 'stopped',
            failed: 'failed',
        };
        this.item.text = `${icons[state]} Pitfalls`;
        this.item.tooltip = `Pitfalls server: ${words[state]}${detail ? `\n${detail}` : ''}\nClick to show the output.`;
        this.item.backgroundColor = state === 'failed' ? new ThemeColor('statusBarItem.errorBackground') : undefined;
    }

    dispose(): void {
        this.item.dispose();
    }
}
