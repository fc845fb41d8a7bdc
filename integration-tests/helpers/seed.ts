import type { MedusaContainer } from "@medusajs/framework/types"
import type { AxiosInstance } from "axios"
import { createAdminUser, createPublishableKey, Headers } from "./auth"

/** Medusa's built-in manual fulfillment provider: module id "manual" x identifier "manual". */
export const MANUAL_FULFILLMENT_PROVIDER_ID = "manual_manual"

export type SeedVariant = {
  title: string
  sku: string
  /** Major units, as Medusa stores prices (e.g. 12.34 for USD 12.34). */
  amount: number
  stock?: number
}

export type SeedOptions = {
  /** Payment provider ids enabled for the region, e.g. ["pp_clover_clover"]. */
  providerIds: string[]
  currencyCode?: string
  countryCode?: string
  variants?: SeedVariant[]
  /** Flat shipping price (major units). */
  shippingAmount?: number
}

export type SeededVariant = SeedVariant & { id: string; inventoryItemId: string }

export type SeededStore = {
  adminHeaders: Headers
  storeHeaders: Headers
  currencyCode: string
  countryCode: string
  region: any
  salesChannel: any
  stockLocation: any
  fulfillmentSet: any
  serviceZone: any
  shippingProfile: any
  shippingOption: any
  shippingAmount: number
  product: any
  variants: SeededVariant[]
}

export const DEFAULT_VARIANTS: SeedVariant[] = [
  { title: "Large", sku: "TEST-LARGE", amount: 30, stock: 100 },
  { title: "Small", sku: "TEST-SMALL", amount: 12.34, stock: 100 },
]

/** Throws with Medusa's error body instead of axios' bare "Request failed with status code 400". */
export async function call<T = any>(what: string, p: Promise<{ data: T }>): Promise<T> {
  try {
    return (await p).data
  } catch (e: any) {
    const status = e?.response?.status
    const body = e?.response?.data
    if (status) {
      const err = new Error(`${what} -> HTTP ${status}: ${JSON.stringify(body)}`)
      ;(err as any).response = e.response
      throw err
    }
    throw e
  }
}

/**
 * Seeds a sellable store through the admin API: admin user, publishable key, a region
 * (with the given payment providers), sales channel, stock location (linked to the channel
 * and the manual fulfillment provider), fulfillment set + service zone + flat shipping
 * option, a shipping profile and one product whose variants have prices and stock.
 */
export async function seedStore(
  api: AxiosInstance,
  container: MedusaContainer,
  opts: SeedOptions
): Promise<SeededStore> {
  const currencyCode = opts.currencyCode ?? "usd"
  const countryCode = opts.countryCode ?? "us"
  const variantsIn = opts.variants ?? DEFAULT_VARIANTS
  const shippingAmount = opts.shippingAmount ?? 5
  const suffix = Math.random().toString(36).slice(2, 8)

  const { adminHeaders } = await createAdminUser(container)
  const pk = await createPublishableKey(container)

  const { region } = await call(
    "create region",
    api.post(
      "/admin/regions",
      {
        name: `Test ${currencyCode.toUpperCase()}`,
        currency_code: currencyCode,
        countries: [countryCode],
        payment_providers: opts.providerIds,
      },
      adminHeaders
    )
  )

  const { sales_channel: salesChannel } = await call(
    "create sales channel",
    api.post("/admin/sales-channels", { name: `Webshop ${suffix}` }, adminHeaders)
  )
  await call(
    "link publishable key to sales channel",
    api.post(`/admin/api-keys/${pk.id}/sales-channels`, { add: [salesChannel.id] }, adminHeaders)
  )

  const { stock_location: createdLocation } = await call(
    "create stock location",
    api.post(
      "/admin/stock-locations",
      {
        name: `Warehouse ${suffix}`,
        address: { address_1: "1 Test Street", city: "New York", country_code: countryCode },
      },
      adminHeaders
    )
  )
  await call(
    "link stock location to sales channel",
    api.post(
      `/admin/stock-locations/${createdLocation.id}/sales-channels`,
      { add: [salesChannel.id] },
      adminHeaders
    )
  )
  await call(
    "link stock location to manual fulfillment provider",
    api.post(
      `/admin/stock-locations/${createdLocation.id}/fulfillment-providers`,
      { add: [MANUAL_FULFILLMENT_PROVIDER_ID] },
      adminHeaders
    )
  )
  const { stock_location: stockLocation } = await call(
    "create fulfillment set",
    api.post(
      `/admin/stock-locations/${createdLocation.id}/fulfillment-sets?fields=*fulfillment_sets`,
      { name: `Shipping ${suffix}`, type: "shipping" },
      adminHeaders
    )
  )
  const fulfillmentSetId = stockLocation.fulfillment_sets[0].id
  const { fulfillment_set: fulfillmentSet } = await call(
    "create service zone",
    api.post(
      `/admin/fulfillment-sets/${fulfillmentSetId}/service-zones`,
      { name: `Zone ${suffix}`, geo_zones: [{ type: "country", country_code: countryCode }] },
      adminHeaders
    )
  )
  const serviceZone = fulfillmentSet.service_zones[0]

  const { shipping_profile: shippingProfile } = await call(
    "create shipping profile",
    api.post("/admin/shipping-profiles", { name: `Default ${suffix}`, type: "default" }, adminHeaders)
  )

  const { shipping_option: shippingOption } = await call(
    "create shipping option",
    api.post(
      "/admin/shipping-options",
      {
        name: "Standard shipping",
        service_zone_id: serviceZone.id,
        shipping_profile_id: shippingProfile.id,
        provider_id: MANUAL_FULFILLMENT_PROVIDER_ID,
        price_type: "flat",
        type: { label: "Standard", description: "Standard shipping", code: "standard" },
        prices: [{ currency_code: currencyCode, amount: shippingAmount }],
        rules: [
          { attribute: "enabled_in_store", operator: "eq", value: "true" },
          { attribute: "is_return", operator: "eq", value: "false" },
        ],
      },
      adminHeaders
    )
  )

  const { product: created } = await call(
    "create product",
    api.post(
      "/admin/products",
      {
        title: `Test product ${suffix}`,
        status: "published",
        shipping_profile_id: shippingProfile.id,
        sales_channels: [{ id: salesChannel.id }],
        options: [{ title: "Size", values: variantsIn.map((v) => v.title) }],
        variants: variantsIn.map((v) => ({
          title: v.title,
          sku: `${v.sku}-${suffix}`,
          options: { Size: v.title },
          manage_inventory: true,
          prices: [{ currency_code: currencyCode, amount: v.amount }],
        })),
      },
      adminHeaders
    )
  )

  const { product } = await call(
    "read product",
    api.get(
      `/admin/products/${created.id}?fields=*variants,*variants.inventory_items,*variants.prices`,
      adminHeaders
    )
  )

  const variants: SeededVariant[] = []
  for (const v of variantsIn) {
    const pv = product.variants.find((x: any) => x.title === v.title)
    if (!pv) throw new Error(`variant ${v.title} was not created`)
    const inventoryItemId = pv.inventory_items?.[0]?.inventory_item_id
    if (!inventoryItemId) throw new Error(`variant ${v.title} has no inventory item`)
    await call(
      `stock ${v.title}`,
      api.post(
        `/admin/inventory-items/${inventoryItemId}/location-levels`,
        { location_id: stockLocation.id, stocked_quantity: v.stock ?? 100 },
        adminHeaders
      )
    )
    variants.push({ ...v, id: pv.id, inventoryItemId })
  }

  return {
    adminHeaders,
    storeHeaders: pk.storeHeaders,
    currencyCode,
    countryCode,
    region,
    salesChannel,
    stockLocation,
    fulfillmentSet,
    serviceZone,
    shippingProfile,
    shippingOption,
    shippingAmount,
    product,
    variants,
  }
}
