import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261204214444 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "return_refund" drop constraint if exists "return_refund_return_id_unique";`);
    this.addSql(`alter table if exists "refund_policy" drop constraint if exists "refund_policy_store_id_unique";`);
    this.addSql(`create table if not exists "refund_policy" ("id" text not null, "store_id" text not null, "auto_refund_on_receipt" boolean not null default false, "refund_damaged_items" boolean not null default false, "return_shipping" text check ("return_shipping" in ('deduct_from_refund', 'merchant_pays')) not null default 'deduct_from_refund', "reason_map" jsonb not null default '{}', "processor_settings" jsonb not null default '{}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "refund_policy_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_refund_policy_deleted_at" ON "refund_policy" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_refund_policy_store_id_unique" ON "refund_policy" ("store_id") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "refund_policy_change" ("id" text not null, "store_id" text not null, "actor_id" text not null, "changes" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "refund_policy_change_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_refund_policy_change_deleted_at" ON "refund_policy_change" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_refund_policy_change_store_id" ON "refund_policy_change" ("store_id") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "return_refund" ("id" text not null, "return_id" text not null, "order_id" text not null, "payment_id" text null, "status" text check ("status" in ('claimed', 'refunded', 'failed', 'nothing_to_refund')) not null default 'claimed', "trigger" text check ("trigger" in ('event', 'admin')) not null, "actor_id" text null, "amount" numeric null, "currency_code" text null, "items" jsonb null, "refund_id" text null, "error_message" text null, "attempts" integer not null default 0, "raw_amount" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "return_refund_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_return_refund_deleted_at" ON "return_refund" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_return_refund_return_id_unique" ON "return_refund" ("return_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_return_refund_order_id" ON "return_refund" ("order_id") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "refund_policy" cascade;`);

    this.addSql(`drop table if exists "refund_policy_change" cascade;`);

    this.addSql(`drop table if exists "return_refund" cascade;`);
  }

}
