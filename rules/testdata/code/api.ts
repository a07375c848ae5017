import express, { Request, Response, NextFunction } from "express";
import { Pool } from "pg";
import { z } from "zod";
import { logger } from "./logger";

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

const CreateOrder = z.object({
  userId: z.number().int().positive(),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().min(1) })),
  coupon: z.string().optional(),
});

type Order = z.infer<typeof CreateOrder> & { id: number; createdAt: Date };

export const router = express.Router();

router.get("/orders/:id", async (req: Request, res: Response, next: NextFunction) => {
  try {
    const id = Number(req.params.id);
    if (!Number.isInteger(id)) {
      return res.status(400).json({ error: "invalid id" });
    }
    const { rows } = await pool.query("SELECT * FROM orders WHERE id = $1", [id]);
    if (rows.length === 0) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

router.post("/orders", async (req: Request, res: Response, next: NextFunction) => {
  const parsed = CreateOrder.safeParse(req.body);
  if (!parsed.success) {
    logger.warn("invalid order", { issues: parsed.error.issues });
    return res.status(422).json({ error: parsed.error.flatten() });
  }
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const order = await insertOrder(client, parsed.data);
    await client.query("COMMIT");
    res.status(201).json(order);
  } catch (err) {
    await client.query("ROLLBACK");
    next(err);
  } finally {
    client.release();
  }
});

async function insertOrder(client: any, data: z.infer<typeof CreateOrder>): Promise<Order> {
  const total = data.items.reduce((sum, item) => sum + item.qty, 0);
  const { rows } = await client.query(
    "INSERT INTO orders (user_id, total, coupon) VALUES ($1, $2, $3) RETURNING id, created_at",
    [data.userId, total, data.coupon ?? null],
  );
  return { ...data, id: rows[0].id, createdAt: rows[0].created_at };
}

export function formatPrice(cents: number, currency = "EUR"): string {
  return new Intl.NumberFormat("de-DE", { style: "currency", currency }).format(cents / 100);
}
