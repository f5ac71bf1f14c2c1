/** Messages between the orchestrator and its child worker processes (Node IPC channel). */

export type ParentMessage = { type: 'go' } | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'progress'; handled: number; firstAt: number | null }
  | { type: 'latency'; seq: number; ms: number }
  | { type: 'stopped'; handled: number }
  | { type: 'error'; message: string };

function hasType(value: unknown): value is { type: unknown } {
  return typeof value === 'object' && value !== null && 'type' in value;
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return hasType(value) && (value.type === 'go' || value.type === 'stop');
}

export function isChildMessage(value: unknown): value is ChildMessage {
  return (
    hasType(value) &&
    (value.type === 'ready' ||
      value.type === 'started' ||
      value.type === 'progress' ||
      value.type === 'latency' ||
      value.type === 'stopped' ||
      value.type === 'error')
  );
}
