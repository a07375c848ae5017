// Webhook routing.
import { Router } from "express";
import type { Request, Response } from "express";
/* the store */
import * as store from "./store";

const LIMIT = 50;

/**
 * Handler answers one webhook.
 */
@Injectable()
export class Handler {
  private seen = new Set<string>();

  constructor(private readonly router: Router) {}

  @Post("/hook")
  async handle(req: Request, res: Response): Promise<void> {
    const id = req.header("x-id") ?? "";
    if (this.seen.has(id)) {
      res.status(200).end();
      return;
    }
    [1, 2].forEach((n) => {
      this.seen.add(String(n));
    });
    res.status(202).end();
  }

  onError = (err: Error) => {
    console.error(err);
  };
}

export const parse = (body: string): unknown => {
  return JSON.parse(body);
};

export function limit(n: number): number {
  return Math.min(n, LIMIT);
}

interface Options {
  limit: number;
}
