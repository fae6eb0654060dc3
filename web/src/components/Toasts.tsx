import { useCallback, useState } from "preact/hooks";

export interface Toast {
  id: number;
  message: string;
}

let nextId = 1;

export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const toast = useCallback((message: string) => {
    const id = nextId++;
    setToasts((list) => [...list.slice(-2), { id, message }]);
    setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), 6000);
  }, []);
  return { toasts, toast };
}

/** Errors and confirmations, read out by screen readers (role=status is polite). */
export function Toasts({ toasts }: { toasts: Toast[] }) {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <p key={t.id} class="toast">
          {t.message}
        </p>
      ))}
    </div>
  );
}
