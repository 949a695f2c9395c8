export interface Toast {
  id: number;
  kind: 'ok' | 'bad' | 'info';
  text: string;
}

/** Short-lived confirmations for actions ("Saved.", "3 files uploaded."). */
export class ToastState {
  items = $state<Toast[]>([]);
  #next = 1;

  push(kind: Toast['kind'], text: string, ms = 3000): void {
    const id = this.#next++;
    this.items.push({ id, kind, text });
    setTimeout(() => this.dismiss(id), ms);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
